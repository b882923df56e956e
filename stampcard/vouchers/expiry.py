"""The clock's side of vouchers: open vouchers past their end expire, issued ones past their start become active.
Run every minute by the worker (``tasks.vouchers_expire_due``)."""

import uuid
from datetime import datetime

from django.db import transaction

from stampcard.core import clock
from stampcard.core.errors import Conflict
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Merchant
from stampcard.vouchers import errors
from stampcard.vouchers.locks import voucher_lock
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.services import voucher_transition
from stampcard.vouchers.states import OPEN_STATES, VoucherState


def vouchers_expire_due(*, limit: int = 500) -> dict[str, int]:
    """Record what the clock has done: expire open vouchers past ``expires_at`` (a VOUCHER_EXPIRED ledger line for
    card vouchers) and activate issued ones past ``valid_from``. One short transaction per voucher, so redemptions
    never wait long behind the job. Returns how many of each it moved (at most ``limit`` each per call)."""
    now = clock.now()
    due_expiry = list(
        Voucher.objects.filter(state__in=OPEN_STATES, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", "merchant_id")[:limit]
    )
    due_activation = list(
        Voucher.objects.filter(state=VoucherState.ISSUED, valid_from__lte=now)
        .exclude(expires_at__lte=now)
        .order_by("valid_from")
        .values_list("pk", "merchant_id")[:limit]
    )
    merchants = Merchant.objects.select_related("subscription").in_bulk(
        {m for _pk, m in due_expiry} | {m for _pk, m in due_activation}
    )
    moved = {"expired": 0, "activated": 0}
    for rows, to, key in (
        (due_expiry, VoucherState.EXPIRED, "expired"),
        (due_activation, VoucherState.ACTIVE, "activated"),
    ):
        for pk, merchant_id in rows:
            moved[key] += _settle_one(pk=pk, merchant=merchants[merchant_id], to=to, now=now)
    return moved


def _settle_one(*, pk: uuid.UUID, merchant: Merchant, to: VoucherState, now: datetime) -> int:
    with transaction.atomic():
        try:
            voucher, card = voucher_lock(merchant=merchant, voucher_id=pk)
        except errors.VoucherNotFound:
            return 0
        if voucher.state not in OPEN_STATES:
            return 0  # redeemed or cancelled since the list was read
        before = voucher.state
        try:
            voucher_transition(voucher, to=to, actor=Actor.system(merchant), card=card, now=now)
        except Conflict:
            return 0
        return int(voucher.state != before)
