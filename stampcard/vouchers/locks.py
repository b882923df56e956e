"""Row locks for vouchers: the card first (the lock order of every card writer), then the voucher."""

import uuid

from django.db import transaction

from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card
from stampcard.merchants.models import Merchant
from stampcard.vouchers.errors import VoucherNotFound
from stampcard.vouchers.models import Voucher

ATTEMPTS = 3


class _CardChanged(Exception):
    pass


def voucher_lock(*, merchant: Merchant, voucher_id: uuid.UUID) -> tuple[Voucher, Card | None]:
    """Lock a voucher of this merchant and its card, card first. Returns the fresh rows.

    A bearer voucher gains a card when a customer claims it; if that happens between reading the voucher and
    locking it, the savepoint is rolled back (PostgreSQL then releases the voucher's row lock) and the pair is
    locked again in the right order, so this never waits on a lock while holding one out of order.
    """
    for _attempt in range(ATTEMPTS):
        card_ids = list(Voucher.objects.filter(merchant=merchant, pk=voucher_id).values_list("card_id", flat=True))
        if not card_ids:
            raise VoucherNotFound()
        card_id = card_ids[0]
        try:
            with transaction.atomic():
                card = card_lock(merchant=merchant, card_id=card_id) if card_id is not None else None
                voucher = Voucher.objects.select_for_update().get(pk=voucher_id)
                if voucher.card_id != card_id:
                    raise _CardChanged()
                if card is not None:
                    voucher.card = card
                return voucher, card
        except _CardChanged:
            continue
    raise RuntimeError(f"voucher {voucher_id} kept changing card while being locked")
