"""The loyalty routes of the POS API v1: customers, cards, checkouts, rewards and the key's merchant.

Thin: auth -> schema -> service -> presenter. Mounted with the other apps' routers by ``config.api``; errors map to
HTTP in one place (``stampcard.api.handlers``)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from stampcard.api.common import ERRORS, actor_of, lookup_guard
from stampcard.api.idempotency import idempotent_write
from stampcard.api.rendering import answers
from stampcard.cards import selectors as cards_selectors
from stampcard.cards import services as cards_services
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import ReversalKind, RewardKind
from stampcard.checkouts import presenters as checkouts_presenters
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.checkouts import schemas as checkouts_schemas
from stampcard.checkouts import services as checkouts_services
from stampcard.customers.masking import mask_contact
from stampcard.lottery import presenters as lottery_presenters
from stampcard.lottery import schemas as lottery_schemas
from stampcard.merchants import metering
from stampcard.pos import customers, schemas
from stampcard.pos import merge as merge_routes
from stampcard.receipts import presenters as receipts_presenters
from stampcard.receipts import services as receipts_services
from stampcard.rewards import services as rewards_services

router = Router(tags=["loyalty"])
merge_routes.register(router)  # first: "/customers/duplicates" before "/customers/{customer_id}"
customers.register(router)


@router.post("/customers", response={201: schemas.EnrolOut, **ERRORS}, summary="Enrol a customer")
@idempotent_write(201, schemas.EnrolOut)
def enrol_customer(request: HttpRequest, body: schemas.CustomerIn) -> dict[str, Any]:
    card = cards_services.card_enrol(
        actor=actor_of(request),
        name=body.name,
        program_id=body.program_id,
        email=body.email,
        phone=body.phone,
        birthday=body.birthday,
        marketing_email_consent=body.consents.marketing_email,
        language=body.language or "",
    )
    return {
        "customer": checkouts_presenters.customer_payload(card.customer),
        "card": checkouts_presenters.card_payload(card),
    }


@router.get("/cards/lookup", response={200: schemas.LookupOut, **ERRORS}, summary="Identify a customer")
@answers(schemas.LookupOut)
def lookup_cards(request: HttpRequest, q: str = Query(..., max_length=254)) -> dict[str, Any]:
    """An empty answer counts as a miss (429 `lookup_rate_limited` past the limits, docs/security.md)."""
    with lookup_guard(request) as attempt:
        cards = cards_selectors.card_identify(merchant=actor_of(request).merchant, query=q)
        if not cards:
            attempt.miss()
    payloads = checkouts_presenters.cards_payload(cards)
    for card, payload in zip(cards, payloads, strict=True):
        # What tells two same-named customers apart at the till, never the full contact.
        payload["program_name"] = card.program.name
        payload["contact_masked"] = mask_contact(email=card.customer.email, phone=card.customer.phone)
        payload["last_visit_at"] = card.last_stamp_at
    return {"results": payloads}


@router.get("/cards/{number}", response={200: checkouts_schemas.CardOut, **ERRORS}, summary="A card")
@answers(checkouts_schemas.CardOut)
def get_card(request: HttpRequest, number: str) -> dict[str, Any]:
    """A 404 counts as a miss (429 `lookup_rate_limited` past the limits, docs/security.md)."""
    with lookup_guard(request):
        card = cards_selectors.card_get(merchant=actor_of(request).merchant, ref=number)
    return checkouts_presenters.card_payload(card)


@router.post(
    "/cards/{number}/adjustments",
    response={200: schemas.AdjustmentOut, **ERRORS},
    summary="Adjust a card by hand (manager)",
)
@idempotent_write(200, schemas.AdjustmentOut)
def adjust_card(request: HttpRequest, number: str, body: schemas.AdjustmentIn) -> dict[str, Any]:
    result = checkouts_services.card_adjust(
        actor=actor_of(request), card_ref=number, delta=body.delta, reason=body.reason
    )
    return {
        "delta": result.delta,
        "card": checkouts_presenters.card_payload(result.card),
        "rewards": [checkouts_presenters.reward_reached_payload(r) for r in result.rewards],
    }


def _check_input(body: schemas.CheckoutIn) -> CheckInput:
    check = body.check
    return CheckInput(
        external_id=check.external_id,
        total=check.total,
        currency=check.currency,
        pos=check.pos,
        closed_at=check.closed_at,
    )


@router.post("/checkouts/preview", response={200: schemas.PreviewOut, **ERRORS}, summary="Preview a checkout")
@answers(schemas.PreviewOut)
def preview_checkout(request: HttpRequest, body: schemas.CheckoutIn) -> dict[str, Any]:
    # It answers with the card: an unknown card is a miss like a lookup's (not a 422 about the check).
    with lookup_guard(request, miss_statuses=(404,)):
        preview = checkouts_services.checkout_preview(
            actor=actor_of(request), card_ref=body.card, check=_check_input(body), location_id=body.location_id
        )
    card = checkouts_presenters.card_payload(preview.card)
    return {
        "stamps_to_issue": preview.stamps_to_issue,
        "card": card,
        "rewards": preview.rewards,
        "already_committed": preview.already_committed,
        "lottery_due": any(r["kind"] == RewardKind.LOTTERY for r in [*preview.rewards, *card["rewards_ready"]]),
        "refused": preview.refusal.as_dict() if preview.refusal else None,
    }


@router.post("/checkouts", response={200: checkouts_schemas.CheckoutOut, **ERRORS}, summary="Commit a checkout")
@idempotent_write(200, checkouts_schemas.CheckoutOut)
def commit_checkout(request: HttpRequest, body: schemas.CheckoutIn) -> dict[str, Any]:
    result = checkouts_services.checkout_commit(
        actor=actor_of(request), card_ref=body.card, check=_check_input(body), location_id=body.location_id
    )
    return {
        "stamps_issued": result.stamps_issued,
        "card": checkouts_presenters.card_payload(result.card),
        "rewards": [checkouts_presenters.reward_reached_payload(r) for r in result.rewards],
        "replayed": result.replayed,
    }


@router.post(
    "/checkouts/{external_id}/reverse",
    response={200: schemas.ReverseOut, **ERRORS},
    summary="Reverse a checkout (refund or void)",
)
@idempotent_write(200, schemas.ReverseOut)
def reverse_checkout(request: HttpRequest, external_id: str, body: schemas.ReverseIn | None = None) -> dict[str, Any]:
    body = body or schemas.ReverseIn()  # every field has a default, so a POS may send no body at all
    # A check that exists only as an unclaimed receipt claim gave no stamps: its claim is voided instead.
    voided = receipts_services.receipt_void_unclaimed(actor=actor_of(request), external_id=external_id, pos=body.pos)
    if voided is not None:
        return receipts_presenters.unclaimed_reversal_payload(claim=voided.claim, replayed=voided.replayed)
    result = checkouts_services.checkout_reverse(
        actor=actor_of(request), external_id=external_id, pos=body.pos, kind=ReversalKind(body.kind)
    )
    return {
        "stamps_reversed": result.stamps_reversed,
        "stamps_not_reversed": result.stamps_not_reversed,
        "rewards_withdrawn": [checkouts_presenters.reward_payload(r) for r in result.rewards_withdrawn],
        "rewards_kept": [checkouts_presenters.reward_payload(r) for r in result.rewards_kept],
        "card": checkouts_presenters.card_payload(result.card),
        "replayed": result.replayed,
    }


@router.post(
    "/rewards/{reward_id}/hand-over",
    response={200: checkouts_schemas.RewardOut, **ERRORS},
    summary="Mark a reward as handed over",
)
@idempotent_write(200, checkouts_schemas.RewardOut)
def hand_over_reward(request: HttpRequest, reward_id: str) -> dict[str, Any]:
    return checkouts_presenters.reward_payload(
        rewards_services.reward_hand_over(actor=actor_of(request), reward_id=reward_id)
    )


@router.get("/merchant", response={200: schemas.MerchantOut, **ERRORS}, summary="The key's merchant, plan and usage")
def get_merchant(request: HttpRequest) -> dict[str, Any]:
    merchant = actor_of(request).merchant
    return checkouts_presenters.merchant_payload(merchant, metering.usage_get(merchant=merchant))


@router.post(
    "/rewards/{reward_id}/draw",
    response={200: lottery_schemas.DrawResultOut, **ERRORS},
    summary="Spin a ready lottery reward",
    tags=["lottery"],
    operation_id="stampcard_lottery_api_draw_reward",  # as when the lottery app served it: clients keep their name
)
@idempotent_write(200, lottery_schemas.DrawResultOut)
def draw_reward(request: HttpRequest, reward_id: str) -> dict[str, Any]:
    draws = checkouts_rewards.reward_spin(actor=actor_of(request), reward_id=reward_id)
    return {
        "reward_id": str(draws[0].reward_id),
        "card": draws[0].card.number,
        "draws": [lottery_presenters.draw_payload(draw) for draw in draws],
    }
