"""The POS-facing JSON API v1. Thin: auth -> schema -> service -> presenter. Errors map to HTTP in one place."""

import logging
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Router

from stampcard.cards import selectors as cards_selectors
from stampcard.cards import services as cards_services
from stampcard.cards.models import ReversalKind, RewardKind
from stampcard.core.errors import NotAuthenticated
from stampcard.inserts.api import router as inserts_router
from stampcard.lottery.api import router as lottery_router
from stampcard.merchants import metering
from stampcard.pos import presenters, schemas
from stampcard.pos.auth import ApiKeyAuth
from stampcard.pos.common import ERRORS, actor_of
from stampcard.pos.handlers import install_error_handlers
from stampcard.pos.idempotency import idempotent_write
from stampcard.poster.api import router as poster_router
from stampcard.receipts import presenters as receipts_presenters
from stampcard.receipts import services as receipts_services
from stampcard.receipts.api import router as receipts_router
from stampcard.rewards import services as rewards_services
from stampcard.scanner.api import merchant_router as scanner_router
from stampcard.vouchers.api import router as vouchers_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="stampcard POS API",
    version="1",
    description="Identify customers, preview and commit checkouts, reverse them. Authenticate with "
    "`Authorization: Bearer <api key>`. Every write accepts an `Idempotency-Key` header.",
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


install_error_handlers(api, not_authenticated=NotAuthenticated)

router = Router(tags=["loyalty"])


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
    )
    return {"customer": presenters.customer_payload(card.customer), "card": presenters.card_payload(card)}


@router.get("/cards/lookup", response={200: schemas.LookupOut, **ERRORS}, summary="Identify a customer")
def lookup_cards(request: HttpRequest, q: str) -> dict[str, Any]:
    cards = cards_selectors.card_identify(merchant=actor_of(request).merchant, query=q)
    return {"results": presenters.cards_payload(cards)}


@router.get("/cards/{number}", response={200: schemas.CardOut, **ERRORS}, summary="A card")
def get_card(request: HttpRequest, number: str) -> dict[str, Any]:
    return presenters.card_payload(cards_selectors.card_get(merchant=actor_of(request).merchant, ref=number))


@router.post(
    "/cards/{number}/adjustments",
    response={200: schemas.AdjustmentOut, **ERRORS},
    summary="Adjust a card by hand (manager)",
)
@idempotent_write(200, schemas.AdjustmentOut)
def adjust_card(request: HttpRequest, number: str, body: schemas.AdjustmentIn) -> dict[str, Any]:
    result = cards_services.card_adjust(actor=actor_of(request), card_ref=number, delta=body.delta, reason=body.reason)
    return {
        "delta": result.delta,
        "card": presenters.card_payload(result.card),
        "rewards": [presenters.reward_reached_payload(r) for r in result.rewards],
    }


def _check_input(body: schemas.CheckoutIn) -> cards_services.CheckInput:
    check = body.check
    return cards_services.CheckInput(
        external_id=check.external_id,
        total=check.total,
        currency=check.currency,
        pos=check.pos,
        closed_at=check.closed_at,
    )


@router.post("/checkouts/preview", response={200: schemas.PreviewOut, **ERRORS}, summary="Preview a checkout")
def preview_checkout(request: HttpRequest, body: schemas.CheckoutIn) -> dict[str, Any]:
    preview = cards_services.checkout_preview(
        actor=actor_of(request), card_ref=body.card, check=_check_input(body), location_id=body.location_id
    )
    card = presenters.card_payload(preview.card)
    return {
        "stamps_to_issue": preview.stamps_to_issue,
        "card": card,
        "rewards": preview.rewards,
        "already_committed": preview.already_committed,
        "lottery_due": any(r["kind"] == RewardKind.LOTTERY for r in [*preview.rewards, *card["rewards_ready"]]),
        "refused": preview.refusal.as_dict() if preview.refusal else None,
    }


@router.post("/checkouts", response={200: schemas.CheckoutOut, **ERRORS}, summary="Commit a checkout")
@idempotent_write(200, schemas.CheckoutOut)
def commit_checkout(request: HttpRequest, body: schemas.CheckoutIn) -> dict[str, Any]:
    result = cards_services.checkout_commit(
        actor=actor_of(request), card_ref=body.card, check=_check_input(body), location_id=body.location_id
    )
    return {
        "stamps_issued": result.stamps_issued,
        "card": presenters.card_payload(result.card),
        "rewards": [presenters.reward_reached_payload(r) for r in result.rewards],
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
    result = cards_services.checkout_reverse(
        actor=actor_of(request), external_id=external_id, pos=body.pos, kind=ReversalKind(body.kind)
    )
    return {
        "stamps_reversed": result.stamps_reversed,
        "stamps_not_reversed": result.stamps_not_reversed,
        "rewards_withdrawn": [presenters.reward_payload(r) for r in result.rewards_withdrawn],
        "rewards_kept": [presenters.reward_payload(r) for r in result.rewards_kept],
        "card": presenters.card_payload(result.card),
        "replayed": result.replayed,
    }


@router.post(
    "/rewards/{reward_id}/hand-over",
    response={200: schemas.RewardOut, **ERRORS},
    summary="Mark a reward as handed over",
)
@idempotent_write(200, schemas.RewardOut)
def hand_over_reward(request: HttpRequest, reward_id: str) -> dict[str, Any]:
    return presenters.reward_payload(rewards_services.reward_hand_over(actor=actor_of(request), reward_id=reward_id))


@router.get("/merchant", response={200: schemas.MerchantOut, **ERRORS}, summary="The key's merchant, plan and usage")
def get_merchant(request: HttpRequest) -> dict[str, Any]:
    merchant = actor_of(request).merchant
    return presenters.merchant_payload(merchant, metering.usage_get(merchant=merchant))


api.add_router("", router)
api.add_router("", vouchers_router)
api.add_router("", lottery_router)
api.add_router("", receipts_router)
api.add_router("", inserts_router)
api.add_router("", poster_router)
api.add_router("/scanner", scanner_router)
