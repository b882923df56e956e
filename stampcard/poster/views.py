"""Pages and endpoints of the Poster integration (mounted at ``/integrations/poster/``).

Staff pages (a manager or the owner, signed in): the connection page, connect (OAuth start), the OAuth callback,
disconnect, spot mapping. Poster itself calls ``webhook``.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from stampcard.core.errors import ApplicationError
from stampcard.core.http import private
from stampcard.merchants import errors as merchants_errors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.poster import client as poster_client
from stampcard.poster import oauth, selectors, services, webhooks
from stampcard.poster.errors import PosterConnectInvalid

logger = logging.getLogger(__name__)


class _NoMerchant(ApplicationError):
    status = 403
    code = "poster_no_merchant"


def _panel_actor(request: HttpRequest, merchant_id: str | None) -> Actor:
    """The signed-in staff member as a manager (or owner) of the merchant asked for, or of their only one."""
    try:
        return merchants_services.staff_actor(user=request.user, merchant_id=merchant_id, minimum=Role.MANAGER)
    except merchants_errors.MerchantChoiceNeeded:
        raise _NoMerchant(_("Choose a business you manage.")) from None
    except merchants_errors.StaffRoleRequired:
        raise _NoMerchant(_("Only a manager or the owner can do this.")) from None


def _error(request: HttpRequest, exc: ApplicationError | poster_client.PosterApiError, status: int) -> HttpResponse:
    if isinstance(exc, ApplicationError):
        message, code = str(exc.message), exc.code
    else:
        message, code = _("Poster did not accept the connection. Try connecting again."), "poster_refused"
    context = {"message": message, "code": code, "connection_url": reverse("poster:connection")}
    return private(render(request, "poster/error.html", context, status=status))


def _manager_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A staff page: anonymous visitors go to the login; an ApplicationError becomes the error page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            return _error(request, exc, exc.status)

    return wrapper


@require_GET
@_manager_page
def connection(request: HttpRequest) -> HttpResponse:
    """The merchant's Poster accounts, their spots and where each spot's checks are counted."""
    actor = _panel_actor(request, request.GET.get("merchant"))
    accounts = list(selectors.poster_accounts_for_merchant(merchant=actor.merchant))
    context: dict[str, Any] = {
        "merchant": actor.merchant,
        "accounts": [{"account": a, "spots": list(selectors.spots_for_account(poster_account=a))} for a in accounts],
        "locations": list(actor.merchant.locations.filter(is_active=True)),
        "connect_url": f"{reverse('poster:connect')}?merchant={actor.merchant.pk}",
        "connected": request.GET.get("connected") == "1",
    }
    return private(render(request, "poster/connection.html", context))


@require_GET
@_manager_page
def connect(request: HttpRequest) -> HttpResponse:
    actor = _panel_actor(request, request.GET.get("merchant"))
    return private(HttpResponseRedirect(oauth.authorize_url(request=request, merchant_id=str(actor.merchant.pk))))


@require_GET
@_manager_page
def callback(request: HttpRequest) -> HttpResponse:
    """Poster's redirect back: ``?code=…&account=…`` (and our ``state``, if Poster passes it on)."""
    try:
        merchant_id = oauth.pending_merchant_id(request=request, returned_state=request.GET.get("state"))
        actor = _panel_actor(request, merchant_id)
        with poster_client.http_client() as http:
            connected = oauth.callback_complete(
                actor=actor, account=request.GET.get("account", ""), code=request.GET.get("code", ""), http=http
            )
    except PosterConnectInvalid as exc:
        return _error(request, exc, 400)
    except poster_client.PosterApiError as exc:
        logger.warning("poster oauth: exchange for %r failed: %s", request.GET.get("account", "")[:64], exc)
        return _error(request, exc, 502)
    url = reverse("poster:connection")
    return private(HttpResponseRedirect(f"{url}?merchant={connected.poster_account.merchant_id}&connected=1"))


@require_POST
@_manager_page
def disconnect(request: HttpRequest) -> HttpResponse:
    actor = _panel_actor(request, request.POST.get("merchant"))
    services.account_disconnect(actor=actor, poster_account_id=request.POST.get("poster_account", ""))
    return private(HttpResponseRedirect(f"{reverse('poster:connection')}?merchant={actor.merchant.pk}"))


@require_POST
@_manager_page
def spots_map(request: HttpRequest) -> HttpResponse:
    actor = _panel_actor(request, request.POST.get("merchant"))
    services.spot_map(
        actor=actor, spot_pk=request.POST.get("spot", ""), location_id=request.POST.get("location") or None
    )
    return private(HttpResponseRedirect(f"{reverse('poster:connection')}?merchant={actor.merchant.pk}"))


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    """Poster's webhooks. 200 ``{"status": "accept"}`` once stored (a redelivery too, so Poster stops retrying);
    403 for a bad signature (nothing stored); 400 for a body that is not a webhook."""
    try:
        received = webhooks.delivery_receive(raw=request.body, remote_addr=request.META.get("REMOTE_ADDR"))
    except webhooks.WebhookSignatureInvalid:
        return JsonResponse({"status": "rejected", "code": "invalid_signature"}, status=403)
    except webhooks.WebhookMalformed as exc:
        logger.info("poster webhook: malformed body from %s: %s", request.META.get("REMOTE_ADDR"), exc)
        return JsonResponse({"status": "rejected", "code": "malformed_webhook"}, status=400)
    return JsonResponse({"status": "accept", "duplicate": received.duplicate})
