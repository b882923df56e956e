"""API v1 routes for a customer's data rights (owner or manager): mounted on the POS API in ``config.api``.

The schemas live here, not in a ``schemas.py``: the customer list's router shares this app and grows its own.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.idempotency import idempotent_write
from stampcard.customers import privacy, selectors

router = Router(tags=["customers"])


class ErasureOut(Schema):
    customer_id: str
    erased_at: datetime
    channel: str


@router.get(
    "/customers/{customer_id}/export",
    response={200: dict[str, Any], **ERRORS},
    summary="Everything held about a customer, as JSON (owner or manager)",
    description="The profile and consents, and under `records` every row that points at the customer or their cards "
    "(cards, ledger events, checks, rewards, vouchers, lottery draws, receipt and insert claims, wallet passes and "
    "devices), keyed by table. Secrets (tokens, their digests) are left out. 403 `role_forbidden` below manager; 404 "
    "`customer_not_found` for an unknown id or another merchant's customer.",
)
def export_customer(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    customer = selectors.customer_get(merchant=actor.merchant, customer_id=customer_id)
    return privacy.customer_data_export(actor=actor, customer=customer)


@router.post(
    "/customers/{customer_id}/erase",
    response={200: ErasureOut, **ERRORS},
    summary="Erase a customer's personal data (owner or manager)",
    description="Name, email, phone, birthday and consents are removed, and free text quoting them is replaced; the "
    "card's balance and ledger stay, its web link and QR are replaced, and its Apple pass is voided and its Google "
    "object set inactive. Erasing an erased customer answers the first erasure again. 403 `role_forbidden` below "
    "manager; 404 `customer_not_found`.",
)
@idempotent_write(200, ErasureOut)
def erase_customer(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    customer = selectors.customer_get(merchant=actor.merchant, customer_id=customer_id)
    erasure = privacy.customer_erase(actor=actor, customer=customer)
    return {"customer_id": str(customer.pk), "erased_at": erasure.created_at, "channel": erasure.channel}
