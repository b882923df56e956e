"""API v1 routes of stampcard.receipts, mounted on the POS API in ``config.api``."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from stampcard.api.common import ERRORS, actor_of, lookup_guard
from stampcard.api.idempotency import idempotent_write
from stampcard.cards.checks import CheckInput
from stampcard.receipts import presenters, schemas, selectors, services
from stampcard.receipts.models import VoidReason

router = Router(tags=["receipts"])


@router.post("/receipts", response={201: schemas.ReceiptOut, **ERRORS}, summary="Create a receipt claim for a check")
@idempotent_write(201, schemas.ReceiptOut)
def create_receipt(request: HttpRequest, body: schemas.ReceiptIn) -> dict[str, Any]:
    """A single-use QR for the bottom of a closed check's receipt. The same check always gets the same claim back
    (`replayed: true`), so a reprint gives nothing more. 409 `check_already_stamped` when the check was stamped onto
    a card at the counter; 422 `check_earns_no_stamps` when it earns nothing (print no QR then)."""
    check = body.check
    created = services.receipt_create(
        actor=actor_of(request),
        check=CheckInput(
            external_id=check.external_id,
            total=check.total,
            currency=check.currency,
            pos=check.pos,
            closed_at=check.closed_at,
        ),
        location_id=body.location_id,
        program_id=body.program_id,
    )
    return presenters.receipt_payload(created.claim, token=created.token, replayed=created.replayed)


@router.get("/receipts/{ref}", response={200: schemas.ReceiptOut, **ERRORS}, summary="A receipt claim")
def get_receipt(request: HttpRequest, ref: str) -> dict[str, Any]:
    """By token or by the printed code (dashes and case do not matter). An unknown one counts as a miss (429
    `lookup_rate_limited` past the limits, docs/security.md)."""
    with lookup_guard(request):
        claim = selectors.receipt_get(merchant=actor_of(request).merchant, ref=ref)
    return presenters.receipt_payload(claim, token=services.receipt_token(claim))


@router.post(
    "/receipts/{ref}/void",
    response={200: schemas.ReceiptOut, **ERRORS},
    summary="Void a receipt claim before it is used",
)
@idempotent_write(200, schemas.ReceiptOut)
def void_receipt(request: HttpRequest, ref: str, body: schemas.VoidIn) -> dict[str, Any]:
    """For a check whose payment was refused or that was cancelled before the customer scanned its QR. 409
    `receipt_already_claimed` once a card collected it: reverse the check instead."""
    claim = services.receipt_void(actor=actor_of(request), ref=ref, reason=VoidReason(body.reason))
    return presenters.receipt_payload(claim, token=services.receipt_token(claim))
