"""Integrations: the Poster connection (connect through Poster's OAuth, state, disconnect), where each Poster spot's
checks are counted, what the Poster register app uses, and how to install it.

Poster knows two addresses of ours that stay as they were: the OAuth redirect URI ``/integrations/poster/callback``
(answered here, landing on this page) and the old connection page ``/integrations/poster/`` (now a redirect here).
"""

import logging
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stampcard.campaigns.webhooks import selectors as webhook_selectors
from stampcard.cards import selectors as cards_selectors
from stampcard.cards.models import EarningRule, Program, StampingMode
from stampcard.core.errors import ApplicationError, NotFound
from stampcard.core.http import private
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.models import Location, Merchant, Role, StaffUser
from stampcard.panel.access import PanelContext, choose_merchant, panel_of, panel_public, panel_view
from stampcard.panel.designer.forms import major
from stampcard.panel.refusals import refusal_to_form
from stampcard.poster import client as poster_client
from stampcard.poster import oauth, selectors, services
from stampcard.poster import spots as poster_spots
from stampcard.poster.errors import PosterConnectInvalid
from stampcard.poster.models import AccountStatus, PosterAccount, PosterSpot, PosterWebhookDelivery

logger = logging.getLogger(__name__)

SPOT_FIELD = re.compile(r"^spot_(\d+)$")


class SpotMappingForm(forms.Form):
    """One select per Poster spot: the location whose analytics its checks count in (or none)."""

    def __init__(self, *args: Any, spots: list[PosterSpot], locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spots = {f"spot_{spot.pk}": spot for spot in spots}
        active = [(str(location.pk), location.name) for location in locations if location.is_active]
        for name, spot in self.spots.items():
            choices = [("", _("Not counted at a location")), *active]
            if spot.location is not None and not spot.location.is_active:
                # Kept selectable so that saving the form does not quietly unmap it.
                choices.append((str(spot.location.pk), _("%(name)s (inactive)") % {"name": spot.location.name}))
            described = [_("Poster spot %(id)s") % {"id": spot.spot_id}]
            if spot.address:
                described.append(spot.address)
            self.fields[name] = forms.ChoiceField(
                label=spot.name or _("Spot %(id)s") % {"id": spot.spot_id},
                choices=choices,
                required=False,
                initial=str(spot.location_id) if spot.location_id else "",
                help_text=" · ".join(described),
            )

    def rows(self) -> list[tuple[PosterSpot, forms.BoundField]]:
        return [(spot, self[name]) for name, spot in self.spots.items()]

    def unmapped(self) -> list[PosterSpot]:
        return [spot for spot in self.spots.values() if spot.location_id is None]


@dataclass
class PosterState:
    """One of the merchant's Poster accounts as the page shows it."""

    account: PosterAccount
    last_delivery: PosterWebhookDelivery | None
    last_error: PosterWebhookDelivery | None

    @property
    def connected(self) -> bool:
        return self.account.is_connected


def _accounts(merchant: Merchant) -> list[PosterAccount]:
    """The merchant's Poster accounts that still matter: connected, or waiting for a new connect."""
    return [
        account
        for account in selectors.poster_accounts_for_merchant(merchant=merchant).select_related("connected_by")
        if account.status != AccountStatus.DISCONNECTED
    ]


def _spots(accounts: list[PosterAccount]) -> list[PosterSpot]:
    found: list[PosterSpot] = []
    for account in accounts:
        found += selectors.spots_for_account(poster_account=account)
    return found


def _spot_form(panel: PanelContext, data: Any = None) -> SpotMappingForm:
    accounts = _accounts(panel.merchant)
    locations = list(merchants_selectors.locations_list(merchant=panel.merchant))
    return SpotMappingForm(data, spots=_spots(accounts), locations=locations)


def _program(merchant: Merchant) -> Program | None:
    """The program the Poster app serves: the merchant's default one (``GET /api/v1/poster/app``)."""
    try:
        return cards_selectors.program_get(merchant=merchant)
    except NotFound:
        return None


def _page(
    request: HttpRequest,
    *,
    spot_form: SpotMappingForm | None = None,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    panel = panel_of(request)
    accounts = _accounts(panel.merchant)
    states = [
        PosterState(
            account=account,
            last_delivery=selectors.delivery_last(poster_account=account),
            last_error=selectors.delivery_last_error(poster_account=account),
        )
        for account in accounts
    ]
    program = _program(panel.merchant)
    context = {
        "poster": states,
        "poster_connected": any(state.connected for state in states),
        "spot_form": spot_form or _spot_form(panel),
        "program": program,
        "per_amount": program is not None and program.earning_rule == EarningRule.PER_AMOUNT,
        "receipt_qr": program is not None and program.stamping_mode == StampingMode.RECEIPT_QR,
        "amount_per_stamp": major(program.amount_per_stamp) if program else None,
        "min_check_total": major(program.min_check_total) if program else None,
        "currency": panel.merchant.currency,
        "stampcard_url": settings.BASE_URL,
        "error": error,
        "webhook_endpoints": webhook_selectors.endpoints_list(merchant=panel.merchant).count(),
    }
    return render(request, "panel/organisation/integrations.html", context, status=status)


@panel_view(Role.MANAGER)
def integrations_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@panel_view(Role.MANAGER, methods=("POST",))
def poster_connect(request: HttpRequest) -> HttpResponse:
    """Start Poster's OAuth for this session's merchant; Poster sends the browser back to ``poster_callback``."""
    url = oauth.authorize_url(request=request, merchant_id=str(panel_of(request).merchant.pk))
    return private(HttpResponseRedirect(url))


class _PosterRefused(ApplicationError):
    status = 502
    code = "poster_refused"
    default_message = gettext_lazy("Poster did not accept the connection. Try connecting again.")


@panel_view(Role.MANAGER)
def poster_callback(request: HttpRequest) -> HttpResponse:
    """Poster's redirect back (``?code=…&account=…``, and our ``state`` if Poster passes it on): store the token,
    then land on the integrations page. A refusal shows there, with its status and code."""
    panel = panel_of(request)
    try:
        merchant_id = oauth.pending_merchant_id(request=request, returned_state=request.GET.get("state"))
        if merchant_id != str(panel.merchant.pk):  # the session switched business since the connect started
            raise PosterConnectInvalid()
        with poster_client.http_client() as http:
            connected = oauth.callback_complete(
                actor=panel.actor, account=request.GET.get("account", ""), code=request.GET.get("code", ""), http=http
            )
    except PosterConnectInvalid as refused:
        return private(_page(request, error=refused, status=400))
    except ApplicationError as refused:
        return private(_page(request, error=refused, status=refused.status))
    except poster_client.PosterApiError as exc:
        logger.warning("poster oauth: exchange for %r failed: %s", request.GET.get("account", "")[:64], exc)
        return private(_page(request, error=_PosterRefused(), status=502))
    name = connected.poster_account.company_name or connected.poster_account.account
    messages.success(request, _("Poster is connected: %(name)s.") % {"name": name})
    if not connected.spots_fetched:
        messages.warning(request, _("Poster did not list the account's spots this time. Refresh them below."))
    return private(HttpResponseRedirect(reverse("panel:integrations")))


@panel_view(Role.MANAGER, methods=("POST",))
def poster_disconnect(request: HttpRequest, poster_account_id: str) -> HttpResponse:
    panel = panel_of(request)
    account = services.account_disconnect(actor=panel.actor, poster_account_id=poster_account_id)
    messages.success(
        request,
        _("Poster account “%(name)s” is disconnected: its checks no longer reach stampcard from Poster's side.")
        % {"name": account.company_name or account.account},
    )
    return HttpResponseRedirect(reverse("panel:integrations"))


@panel_view(Role.MANAGER, methods=("POST",))
def poster_spots_save(request: HttpRequest) -> HttpResponse:
    """Save where each Poster spot's checks are counted. Only the spots the form sent change."""
    panel = panel_of(request)
    for key in request.POST:
        found = SPOT_FIELD.match(key)
        if found:
            # Through the tenant door: another merchant's spot answers 404 (panel_view), not a silent skip.
            selectors.spot_get(merchant=panel.merchant, spot_pk=found.group(1))
    form = _spot_form(panel, request.POST)
    if form.is_valid():
        changed = 0
        try:
            with transaction.atomic():
                for name, spot in form.spots.items():
                    if name not in request.POST:
                        continue
                    location_id = form.cleaned_data[name] or None
                    if location_id != (str(spot.location_id) if spot.location_id else None):
                        services.spot_map(actor=panel.actor, spot_pk=spot.pk, location_id=location_id)
                        changed += 1
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            messages.success(request, _("Spots saved.") if changed else _("Nothing changed."))
            return HttpResponseRedirect(reverse("panel:integrations"))
    return _page(request, spot_form=form)


@panel_view(Role.MANAGER, methods=("POST",))
def poster_spots_refresh(request: HttpRequest, poster_account_id: str) -> HttpResponse:
    panel = panel_of(request)
    try:
        with poster_client.http_client() as http:
            spots = poster_spots.spots_refresh(actor=panel.actor, poster_account_id=poster_account_id, http=http)
    except NotFound:
        raise
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    except poster_client.PosterTokenError:
        messages.error(request, _("Poster refused stampcard's access to this account. Connect Poster again."))
    except poster_client.PosterApiError as exc:
        logger.warning("poster spots refresh for account %s failed: %s", poster_account_id, exc)
        messages.error(request, _("Poster did not answer. Try again in a minute."))
    else:
        found = ngettext(
            "Spots refreshed from Poster: %(count)d spot.", "Spots refreshed from Poster: %(count)d spots.", len(spots)
        )
        messages.success(request, found % {"count": len(spots)})
    return HttpResponseRedirect(reverse("panel:integrations"))


@panel_public
def poster_old_page(request: HttpRequest) -> HttpResponse:
    """The connection page's old address (``/integrations/poster/?merchant=…``): the business it names is chosen,
    then the integrations page opens (sign-in first for a visitor)."""
    merchant_id = request.GET.get("merchant", "")
    if merchant_id and isinstance(request.user, StaffUser) and request.user.is_authenticated:
        choose_merchant(request, merchant_id=merchant_id)
    return HttpResponseRedirect(reverse("panel:integrations"))
