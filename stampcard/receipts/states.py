"""The lifecycle of a receipt claim, read from its timestamps: nothing has to run for a claim to expire."""

import enum
from datetime import datetime


class ReceiptState(enum.StrEnum):
    OPEN = "open"  # can be collected now
    CLAIMED = "claimed"  # a card collected its stamps
    EXPIRED = "expired"  # nobody collected it before ``expires_at``
    VOID = "void"  # the POS withdrew it (payment refused, check cancelled or reversed) before anyone collected it


def receipt_state(
    *, claimed_at: datetime | None, voided_at: datetime | None, expires_at: datetime, now: datetime
) -> ReceiptState:
    """A claim is expired from the instant ``expires_at`` itself: ``now == expires_at`` is already too late."""
    if claimed_at is not None:
        return ReceiptState.CLAIMED
    if voided_at is not None:
        return ReceiptState.VOID
    if now >= expires_at:
        return ReceiptState.EXPIRED
    return ReceiptState.OPEN
