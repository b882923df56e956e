"""API v1 routes for the stampcard app inside the Poster register (mounted with ``stampcard.poster.api``'s router).

- ``GET /poster/app``: what the register needs to know of the merchant's program (stamping mode, goal, rule).
- ``POST /poster/checkouts``: commit a closed Poster order. Only through ``Poster.makeRequest``: the request must
  carry a valid ``X-Poster-Signature``, so a check that says it came from a Poster register did. The check is
  ``pos="poster"`` with Poster's ``transaction_id`` as external id, the same check the webhook completes or
  corrects (docs/poster.md §4); the ledger records the ``poster`` channel.
- ``POST /poster/print/qr``: a QR drawn with characters for ``Poster.orders.setPrintText`` (receipt-QR mode).

Everything else the app does (lookup, preview, hand-over, draws, vouchers, receipt claims) uses the API v1 as is.
"""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.idempotency import idempotent_write
from stampcard.api.schemas import RequestSchema
from stampcard.api.types import MONEY_MAX, REF_MAX, Moment, StrictInt
from stampcard.cards import selectors as cards_selectors
from stampcard.cards.checks import CheckInput
from stampcard.checkouts import presenters
from stampcard.checkouts import services as checkouts_services
from stampcard.checkouts.schemas import CheckoutOut
from stampcard.core.errors import NotFound
from stampcard.merchants.actors import Actor, Channel
from stampcard.poster import selectors
from stampcard.poster.pos_app import errors, qr_text, signing
from stampcard.poster.services import POS

router = Router(tags=["poster"])


class ProgramOut(Schema):
    id: str
    name: str
    stamping_mode: str = Field(description="cashier | receipt_qr: in receipt_qr the register prints a claim QR.")
    goal: int
    earning_rule: str = Field(description="per_receipt | per_amount")
    stamps_per_receipt: int
    amount_per_stamp: int | None = Field(description="Minor units per stamp, for per_amount.")
    min_check_total: int


class AppConfigOut(Schema):
    currency: str
    program: ProgramOut | None = Field(description="The merchant's default program; null while it has none.")


class PosterCheckIn(RequestSchema):
    external_id: str = Field(min_length=1, max_length=64, description="Poster's transaction_id (Order.orderName).")
    total: StrictInt = Field(
        ge=0, le=MONEY_MAX, description="Money paid, in minor units (Order fields are major units: convert)."
    )
    currency: str = Field(min_length=3, max_length=3)
    closed_at: Moment | None = None


class PosterCheckoutIn(RequestSchema):
    card: str = Field(max_length=REF_MAX, description="Six-digit number or QR payload.")
    check: PosterCheckIn
    location_id: str | None = Field(
        None,
        max_length=REF_MAX,
        description="Defaults to the API key's location, else the location the Poster spot is mapped to.",
    )


class QrTextIn(RequestSchema):
    data: str = Field(min_length=1, max_length=500)
    columns: StrictInt = Field(32, ge=16, le=64, description="Characters per printed line: 32 on 58 mm, 48 on 80 mm.")


class QrTextOut(Schema):
    lines: list[str] = Field(description="Empty when no QR of this data fits the line.")
    columns: int
    error: str | None = Field(description="M, L (the QR's error correction), or null when it does not fit.")


def poster_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a request that Poster did not sign, before anything else runs: a refused signature must never become
    the recorded answer of an Idempotency-Key."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        origin = signing.make_request_verify(request)
        actor = actor_of(request)
        if origin.account:
            known = selectors.poster_account_by_login(account=origin.account)
            if known is not None and known.merchant_id not in (None, actor.merchant.pk):
                raise errors.PosterAccountMismatch(account=origin.account)
        request.poster_origin = origin  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def _spot_location_id(actor: Actor, origin: signing.PosterOrigin) -> str | None:
    if actor.location is not None or not origin.spot_id:
        return None
    account = selectors.poster_account_for_status(merchant=actor.merchant, account=origin.account)
    spot = selectors.spot_for_poster_id(poster_account=account, spot_id=origin.spot_id) if account else None
    return str(spot.location_id) if spot is not None and spot.location_id else None


@router.get("/poster/app", response={200: AppConfigOut, **ERRORS}, summary="Poster app: the program it serves")
def poster_app_config(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    try:
        program = cards_selectors.program_get(merchant=actor.merchant)
    except NotFound:
        return {"currency": actor.merchant.currency, "program": None}
    return {
        "currency": actor.merchant.currency,
        "program": {
            "id": str(program.pk),
            "name": program.name,
            "stamping_mode": program.stamping_mode,
            "goal": program.goal,
            "earning_rule": program.earning_rule,
            "stamps_per_receipt": program.stamps_per_receipt,
            "amount_per_stamp": program.amount_per_stamp,
            "min_check_total": program.min_check_total,
        },
    }


@router.post(
    "/poster/checkouts",
    response={200: CheckoutOut, **ERRORS},
    summary="Poster app: commit a closed order (signed by Poster)",
)
@poster_signed
@idempotent_write(200, CheckoutOut)
def poster_commit_checkout(request: HttpRequest, body: PosterCheckoutIn) -> dict[str, Any] | HttpResponse:
    """Like `POST /checkouts`, for the Poster register: `403 poster_signature_missing | poster_signature_invalid |
    poster_signature_expired` unless Poster's `X-Poster-Signature` is valid; `403 poster_account_mismatch` when
    the Poster account (`X-Poster-Url`) is connected to another business. Idempotent on the check."""
    origin: signing.PosterOrigin = request.poster_origin  # type: ignore[attr-defined]
    actor = dataclasses.replace(actor_of(request), channel=Channel.POSTER)
    result = checkouts_services.checkout_commit(
        actor=actor,
        card_ref=body.card,
        check=CheckInput(
            external_id=body.check.external_id.strip(),
            total=body.check.total,
            currency=body.check.currency,
            pos=POS,
            closed_at=body.check.closed_at,
        ),
        location_id=body.location_id or _spot_location_id(actor, origin),
    )
    return {
        "stamps_issued": result.stamps_issued,
        "card": presenters.card_payload(result.card),
        "rewards": [presenters.reward_reached_payload(r) for r in result.rewards],
        "replayed": result.replayed,
    }


@router.post("/poster/print/qr", response={200: QrTextOut, **ERRORS}, summary="Poster app: a QR as receipt text")
def poster_qr_text(request: HttpRequest, body: QrTextIn) -> dict[str, Any]:
    actor_of(request)  # any valid key; nothing of the merchant's is read
    drawn = qr_text.qr_text(body.data, columns=body.columns)
    return {"lines": drawn.lines, "columns": drawn.columns, "error": drawn.error}
