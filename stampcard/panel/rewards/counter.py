"""The counter page: what a cashier (or a manager without a scanner) does for a customer at the till.

Redeem a voucher code, find a card by its six-digit number (or name, email, phone) and see its progress, hand over a
ready reward (or spin a lottery), and add a stamp for a check. Every write goes through the same services as the
POS API and the scanner; the forms post and redirect back here (PRG), so a reload never repeats a write.
"""

import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, RewardKind
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.benefit import BenefitKind
from stampcard.core.errors import ApplicationError, ValidationFailed
from stampcard.customers.masking import mask_contact
from stampcard.lottery.models import VariantKind
from stampcard.merchants.models import Location, Role
from stampcard.panel.access import PanelContext, panel_view
from stampcard.panel.benefits import MINOR_PER_MAJOR
from stampcard.panel.rewards.forms import RedeemForm, StampForm
from stampcard.panel.rewards.vouchers import voucher_rows
from stampcard.rewards import selectors as rewards_selectors
from stampcard.rewards import services as rewards_services
from stampcard.vouchers import ratelimit
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.errors import VoucherAlreadyRedeemed, VoucherLookupsLimited
from stampcard.vouchers.models import Voucher

PANEL_POS = "panel"  # the Check's POS for stamps added on the counter page
SESSION_LOCATION = "panel_counter_location"
JUST_NOW_SECONDS = 120
_MISS_STATUSES = (404, 422)


def _panel(request: HttpRequest) -> PanelContext:
    return request.panel  # type: ignore[attr-defined]


def _locations(request: HttpRequest) -> list[Location]:
    return _panel(request).locations()


def _location_initial(request: HttpRequest, locations: list[Location]) -> str:
    remembered = request.session.get(SESSION_LOCATION, "")
    ids = [str(location.pk) for location in locations]
    return remembered if remembered in ids else (ids[0] if ids else "")


def _location_id(request: HttpRequest, chosen: str, locations: list[Location]) -> str | None:
    """The location a write happens at: the one chosen (remembered for the next time), or the only one."""
    if chosen:
        request.session[SESSION_LOCATION] = chosen
        return chosen
    return str(locations[0].pk) if len(locations) == 1 else None


def _back(card_number: str = "") -> HttpResponseRedirect:
    url = reverse("panel:counter")
    return HttpResponseRedirect(f"{url}?{urlencode({'q': card_number})}" if card_number else url)


@panel_view(Role.CASHIER)
def counter_page(request: HttpRequest) -> HttpResponse:
    panel = _panel(request)
    locations = _locations(request)
    location = _location_initial(request, locations)
    query = " ".join(request.GET.get("q", "").split())
    cards: list[Card] = []
    problem = ""
    if query:
        try:
            cards = cards_selectors.card_identify(merchant=panel.merchant, query=query)
        except ValidationFailed:
            problem = _("Type at least 2 characters: a card number, a name, an email or a phone.")
        else:
            if not cards:
                problem = _("No card matches “%(query)s”.") % {"query": query}
    card = cards[0] if len(cards) == 1 else None
    context: dict[str, Any] = {
        "query": query,
        # Several matches: enough to tell two same-named customers apart, never the full contact.
        "matches": [
            {"card": match, "contact": mask_contact(email=match.customer.email, phone=match.customer.phone)}
            for match in (cards if card is None else [])
        ],
        "card": card,
        "problem": problem,
        "redeem_form": RedeemForm(locations=locations, initial={"location": location}),
        "several_locations": len(locations) > 1,
        "currency": panel.merchant.currency,
    }
    if card is not None:
        context["ready"] = rewards_selectors.rewards_ready_by_card(cards=[card])[card.pk]
        context["vouchers"] = voucher_rows(vouchers_selectors.vouchers_active_by_card(cards=[card])[card.pk])
        context["goal"] = card.rules.goal
        context["stamp_form"] = StampForm(
            locations=locations,
            currency=panel.merchant.currency,
            initial={"card": card.number, "scan_id": uuid.uuid4(), "location": location},
        )
    return render(request, "panel/rewards/counter.html", context)


@panel_view(Role.CASHIER, methods=("POST",))
def counter_redeem(request: HttpRequest) -> HttpResponse:
    """Redeem a voucher code once. A miss (unknown or mistyped code) costs this staff login a lookup attempt, as a
    key's does on the API, so codes cannot be guessed from the panel either."""
    panel = _panel(request)
    locations = _locations(request)
    card_number = request.POST.get("card", "")[:6]
    form = RedeemForm(request.POST, locations=locations)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back(card_number)
    code = form.cleaned_data["code"]
    try:
        reservation = ratelimit.lookup_reserve(
            scopes=ratelimit.scopes_for_staff(actor=panel.actor),
            who=ratelimit.Who(merchant=panel.merchant, ip=str(request.META.get("REMOTE_ADDR") or "")),
        )
    except VoucherLookupsLimited as refusal:
        minutes = max(1, -(-int(refusal.details.get("retry_after", 60)) // 60))
        messages.error(
            request,
            ngettext(
                "Too many codes that do not exist were tried. Try again in %(minutes)d minute.",
                "Too many codes that do not exist were tried. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        return _back(card_number)
    try:
        voucher = vouchers_services.voucher_redeem(
            actor=panel.actor,
            code=code,
            location_id=_location_id(request, form.cleaned_data.get("location") or "", locations),
        )
    except VoucherAlreadyRedeemed as refusal:
        ratelimit.lookup_release(reservation=reservation)
        messages.error(request, _redeemed_before(panel, code) or str(refusal.message))
    except ApplicationError as refusal:
        if refusal.status not in _MISS_STATUSES:
            ratelimit.lookup_release(reservation=reservation)
        messages.error(request, f"{format_code(_compact(code))}: {refusal.message}")
    else:
        ratelimit.lookup_release(reservation=reservation)
        messages.success(request, _redeemed_message(voucher, currency=panel.merchant.currency))
    return _back(card_number)


def _redeemed_message(voucher: Voucher, *, currency: str) -> str:
    """What the cashier does next: hand the gift over, or take the discount off the check (the panel does not know the
    check's total, so it says the percentage or the amount)."""
    names = {"title": voucher.title, "code": format_code(voucher.code)}
    benefit = voucher.benefit
    if benefit.kind == BenefitKind.PERCENT:
        return _("Redeemed: “%(title)s” (%(code)s). Take %(percent)d%% off the check.") % {
            **names,
            "percent": benefit.value,
        }
    if benefit.kind == BenefitKind.AMOUNT:
        amount = number_format(Decimal(benefit.value) / MINOR_PER_MAJOR, decimal_pos=2)
        return _("Redeemed: “%(title)s” (%(code)s). Take %(amount)s %(currency)s off the check.") % {
            **names,
            "amount": amount,
            "currency": currency,
        }
    return _("Redeemed: “%(title)s” (%(code)s). Give the customer what it promises.") % names


def _compact(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:32]


def _redeemed_before(panel: PanelContext, code: str) -> str:
    """Say when and by whom a voucher was redeemed; "by you, just now" answers a double tap plainly."""
    try:
        voucher = vouchers_selectors.voucher_get(merchant=panel.merchant, code=code)
    except ApplicationError:
        return ""
    if voucher.redeemed_at is None:
        return ""
    when = date_format(timezone.localtime(voucher.redeemed_at), "SHORT_DATETIME_FORMAT")
    code_text = format_code(voucher.code)
    recent = (clock.now() - voucher.redeemed_at).total_seconds() < JUST_NOW_SECONDS
    if voucher.redeemed_by_id == panel.user.pk and recent:
        return _("%(code)s was redeemed by you just now (%(when)s): nothing more to do.") % {
            "code": code_text,
            "when": when,
        }
    return _("%(code)s was already redeemed on %(when)s: it cannot be used again.") % {"code": code_text, "when": when}


@panel_view(Role.CASHIER, methods=("POST",))
def counter_hand_over(request: HttpRequest) -> HttpResponse:
    """Hand over a ready reward of the card (a lottery reward is spun instead: its prize lands on the card)."""
    panel = _panel(request)
    card_number = request.POST.get("card", "")[:6]
    try:
        card = cards_selectors.card_get(merchant=panel.merchant, ref=card_number)
        reward = rewards_selectors.reward_get(
            merchant=panel.merchant, reward_id=request.POST.get("reward", ""), card=card
        )
        if reward.kind == RewardKind.LOTTERY:
            draws = checkouts_rewards.reward_spin(actor=panel.actor, reward_id=reward.pk, card=card)
            messages.success(request, _spin_message(draws))
        else:
            rewards_services.reward_hand_over(actor=panel.actor, reward_id=reward.pk)
            messages.success(request, _("Handed over: “%(title)s”.") % {"title": reward.title})
    except ApplicationError as refusal:
        messages.error(request, str(refusal.message))
    return _back(card_number)


def _spin_message(draws: list[Any]) -> str:
    last = draws[-1]
    if last.outcome == VariantKind.NOTHING:
        return _("The wheel spun: no prize this time.")
    return _("The wheel spun: “%(prize)s”. The prize is on the card now.") % {"prize": last.variant.name}


@panel_view(Role.CASHIER, methods=("POST",))
def counter_stamp(request: HttpRequest) -> HttpResponse:
    """Stamp a check onto the card. The form's hidden scan id is the check's external id: a double submit (or a
    reload of the POST) meets the check's unique index and replays instead of stamping twice."""
    panel = _panel(request)
    locations = _locations(request)
    card_number = request.POST.get("card", "")[:6]
    form = StampForm(request.POST, locations=locations)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return _back(card_number)
    check = CheckInput(
        external_id=f"panel-{form.cleaned_data['scan_id']}",
        total=form.total_minor(),
        currency=panel.merchant.currency,
        pos=PANEL_POS,
    )
    try:
        result = checkouts_services.checkout_commit(
            actor=panel.actor,
            card_ref=form.cleaned_data["card"],
            check=check,
            location_id=_location_id(request, form.cleaned_data.get("location") or "", locations),
        )
    except ApplicationError as refusal:
        messages.error(request, str(refusal.message))
        return _back(card_number)
    card = result.card
    if result.replayed:
        messages.info(request, _("This check was already stamped: nothing was added twice."))
    elif result.stamps_issued == 0:
        messages.warning(request, _("This check earns no stamp under the card's rules."))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d stamp added: %(stamps)d of %(goal)d now.",
                "%(count)d stamps added: %(stamps)d of %(goal)d now.",
                result.stamps_issued,
            )
            % {"count": result.stamps_issued, "stamps": card.stamps, "goal": card.rules.goal},
        )
    for reward in result.rewards if not result.replayed else []:
        messages.success(request, _("Reward reached: “%(title)s”.") % {"title": reward.title})
    return _back(card.number)
