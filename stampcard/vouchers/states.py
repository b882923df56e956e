"""The voucher lifecycle: issued -> active -> redeemed, or -> expired, or -> cancelled.

``issued`` means its ``valid_from`` is still ahead; it becomes ``active`` when that moment passes. Time-driven moves
(issued -> active, -> expired) happen lazily whenever a voucher is read or locked, and in bulk by the expiry task, so
the stored state may lag the clock by up to one task period; ``effective_state`` is what it is now.
"""

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class VoucherState(models.TextChoices):
    ISSUED = "issued", _("Issued (not valid yet)")
    ACTIVE = "active", _("Active")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (VoucherState.ISSUED, VoucherState.ACTIVE)
TERMINAL_STATES = (VoucherState.REDEEMED, VoucherState.EXPIRED, VoucherState.CANCELLED)

ALLOWED: dict[VoucherState, frozenset[VoucherState]] = {
    VoucherState.ISSUED: frozenset({VoucherState.ACTIVE, VoucherState.EXPIRED, VoucherState.CANCELLED}),
    VoucherState.ACTIVE: frozenset({VoucherState.REDEEMED, VoucherState.EXPIRED, VoucherState.CANCELLED}),
    VoucherState.REDEEMED: frozenset(),
    VoucherState.EXPIRED: frozenset(),
    VoucherState.CANCELLED: frozenset(),
}


def effective_state(*, state: str, valid_from: datetime, expires_at: datetime | None, now: datetime) -> VoucherState:
    """The state at ``now``: a stored open state moved on by the clock. ``expires_at`` is the first invalid instant."""
    stored = VoucherState(state)
    if stored not in OPEN_STATES:
        return stored
    if expires_at is not None and now >= expires_at:
        return VoucherState.EXPIRED
    return VoucherState.ISSUED if now < valid_from else VoucherState.ACTIVE
