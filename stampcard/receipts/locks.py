"""Row locks for receipt claims. A claim is locked before the card it stamps (``cards.locks.card_lock``), by every
writer: collecting, voiding, and reversing its check before collection."""

import uuid

from stampcard.merchants.models import Merchant
from stampcard.receipts import errors
from stampcard.receipts.models import ReceiptToken


def receipt_lock(*, claim_id: uuid.UUID) -> ReceiptToken:
    """Lock a claim and return it as it is once the lock is held (a concurrent writer may just have changed it)."""
    claim = (
        ReceiptToken.objects.filter(pk=claim_id)
        .select_related("merchant__subscription", "program", "location")
        .select_for_update(of=("self",))
        .first()
    )
    if claim is None:
        raise errors.ReceiptNotFound()
    return claim


def receipt_lock_for_check(*, merchant: Merchant, pos: str, external_id: str) -> ReceiptToken | None:
    """Lock the claim of a POS check, if the check has one."""
    return (
        ReceiptToken.objects.filter(merchant=merchant, pos=pos, external_id=external_id)
        .select_related("program", "location")
        .select_for_update(of=("self",))
        .first()
    )
