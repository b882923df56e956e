"""The customer list (search, filters, keyset pages) and a customer's page: cards, rewards, vouchers, wallets,
the timeline from the ledger, and the manager's actions on a card."""

import json
from typing import Any

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from stampcard.cards import directory
from stampcard.cards.models import Card, RewardKind
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.checkouts import services as checkouts_services
from stampcard.core.errors import ApplicationError, NotFound
from stampcard.customers import privacy
from stampcard.customers import selectors as customers_selectors
from stampcard.customers.masking import mask_contact
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.customers.forms import AdjustmentForm, DirectoryFilterForm
from stampcard.panel.refusals import refusal_to_form
from stampcard.public import cardlinks
from stampcard.rewards import selectors as rewards_selectors
from stampcard.rewards import services as rewards_services
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.wallet import selectors as wallet_selectors


@panel_view(Role.MANAGER)
def customers_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    form = DirectoryFilterForm(request.GET or None, merchant=panel.merchant)
    try:
        page = directory.directory_page(
            merchant=panel.merchant, filters=form.filters(), cursor=request.GET.get("after") or None
        )
    except ApplicationError:  # a cursor no page handed out (edited by hand): start again from the top
        page = directory.directory_page(merchant=panel.merchant, filters=form.filters())
    rows = [
        {
            "card": card,
            "customer": card.customer,
            "contact": mask_contact(email=card.customer.email, phone=card.customer.phone),
            "goal": directory.card_goal(card),
            "visits": page.visits.get(card.pk, 0),
        }
        for card in page.cards
    ]
    next_query = None
    if page.next_cursor:
        params = request.GET.copy()
        params["after"] = page.next_cursor
        next_query = params.urlencode()
    filtered = any(form.filters().__dict__.values())
    return render(
        request,
        "panel/customers/list.html",
        {
            "form": form,
            "rows": rows,
            "next_query": next_query,
            "paged": bool(request.GET.get("after")),
            "filtered": filtered,
        },
    )


def _card_of(cards: list[Card], card_id: str) -> Card:
    for card in cards:
        if str(card.pk) == card_id:
            return card
    raise NotFound(code="card_not_found")


@panel_view(Role.MANAGER)
def customer_page(request: HttpRequest, customer_id: str) -> HttpResponse:
    panel = panel_of(request)
    cards = directory.customer_cards(merchant=panel.merchant, customer_id=customer_id)
    if cards[0].customer.merged_into_id is not None:
        # A duplicate merged into another customer: its page is the survivor's now.
        return HttpResponseRedirect(reverse("panel:customer", args=[cards[0].customer.merged_into_id]))
    return render(request, "panel/customers/detail.html", _detail_context(request, cards))


def _detail_context(request: HttpRequest, cards: list[Card], **extra: Any) -> dict[str, Any]:
    ready = rewards_selectors.rewards_ready_by_card(cards=cards)
    vouchers = vouchers_selectors.vouchers_active_by_card(cards=cards)
    visits = directory.visits_by_card(cards=cards)
    try:
        before = int(request.GET.get("before", "")) if request.GET.get("before") else None
    except ValueError:
        before = None
    events, next_before = directory.timeline_page(cards=cards, before=before)
    adjust_forms = extra.pop("adjust_forms", {})
    return {
        "customer": cards[0].customer,
        "cards": [
            {
                "card": card,
                "goal": directory.card_goal(card),
                "visits": visits.get(card.pk, 0),
                "rewards": ready.get(card.pk, []),
                "vouchers": vouchers.get(card.pk, []),
                "wallets": wallet_selectors.card_wallets(card=card),
                "adjust_form": adjust_forms.get(card.pk) or AdjustmentForm(prefix=f"card-{card.pk}"),
            }
            for card in cards
        ],
        "events": events,
        "next_before": next_before,
        "paged": before is not None,
        "lottery": RewardKind.LOTTERY,
        **extra,
    }


@panel_view(Role.MANAGER, methods=("POST",))
def customer_adjust(request: HttpRequest, customer_id: str, card_id: str) -> HttpResponse:
    """Add or take away stamps with a reason (``checkouts.services.card_adjust``: the ledger keeps who and why)."""
    panel = panel_of(request)
    cards = directory.customer_cards(merchant=panel.merchant, customer_id=customer_id)
    card = _card_of(cards, card_id)
    form = AdjustmentForm(request.POST, prefix=f"card-{card.pk}")
    if form.is_valid():
        try:
            result = checkouts_services.card_adjust(
                actor=panel.actor,
                card_ref=card.number,
                delta=form.cleaned_data["stamps"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as refused:
            refusal_to_form(form, refused, fields={"delta": "stamps"})
        else:
            messages.success(
                request,
                _("Card %(number)s now holds %(stamps)s stamps.")
                % {"number": result.card.number, "stamps": result.card.stamps},
            )
            return HttpResponseRedirect(reverse("panel:customer", args=[customer_id]))
    context = _detail_context(request, cards, adjust_forms={card.pk: form})
    return render(request, "panel/customers/detail.html", context, status=400)


@panel_view(Role.MANAGER, methods=("POST",))
def customer_hand_over(request: HttpRequest, customer_id: str, card_id: str, reward_id: str) -> HttpResponse:
    """Hand over a ready reward of one of the customer's cards (a lottery reward is spun: its prize lands on it)."""
    panel = panel_of(request)
    cards = directory.customer_cards(merchant=panel.merchant, customer_id=customer_id)
    card = _card_of(cards, card_id)
    reward = rewards_selectors.reward_get(merchant=panel.merchant, reward_id=reward_id, card=card)
    try:
        if reward.kind == RewardKind.LOTTERY:
            checkouts_rewards.reward_spin(actor=panel.actor, reward_id=reward.pk, card=card)
            messages.success(request, _("The wheel spun; the outcome is in the card's history."))
        else:
            rewards_services.reward_hand_over(actor=panel.actor, reward_id=reward.pk)
            messages.success(request, _("Handed over: “%(title)s”.") % {"title": reward.title})
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    return HttpResponseRedirect(reverse("panel:customer", args=[customer_id]))


@panel_view(Role.MANAGER)
def customer_export(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Everything held about the customer (``customers.privacy.customer_data_export``) as a JSON download."""
    panel = panel_of(request)
    customer = customers_selectors.customer_get(merchant=panel.merchant, customer_id=customer_id)
    data = privacy.customer_data_export(actor=panel.actor, customer=customer)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def customer_erase(request: HttpRequest, customer_id: str) -> HttpResponse:
    """GET: what erasing means, and the button; POST: erase (``customers.privacy.customer_erase``)."""
    panel = panel_of(request)
    customer = customers_selectors.customer_get(merchant=panel.merchant, customer_id=customer_id)
    if request.method == "POST":
        privacy.customer_erase(actor=panel.actor, customer=customer)
        messages.success(request, _("The customer’s personal data was erased; their history stays without a name."))
        return HttpResponseRedirect(reverse("panel:customers"))
    return render(request, "panel/customers/erase.html", {"customer": customer})


@panel_view(Role.MANAGER, methods=("POST",))
def customer_send_link(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Email the customer the links to their web cards; refused with a message when no email is saved."""
    panel = panel_of(request)
    cards = directory.customer_cards(merchant=panel.merchant, customer_id=customer_id)
    try:
        email = cardlinks.card_links_send(cards=cards)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The card link was sent to %(email)s.") % {"email": email})
    return HttpResponseRedirect(reverse("panel:customer", args=[customer_id]))
