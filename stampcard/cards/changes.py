"""Recording that cards changed, for the wallets that hold them.

Every change of what a card shows (stamps, rewards, vouchers, its program's design) moves ``Card.changed_at`` in the
transaction that makes it. For a card a wallet holds (``Card.in_wallet``) that transaction also writes a
``CardChange`` row: the fact the wallet change feed (``stampcard.wallet.feed``, a layer above) reads and hands to the
wallets. Cards never calls the wallets; the rows are the record.

After the commit, ``follower`` (set by the wallet app when it is ready) is told which cards changed, so passes are
updated at once. That call is only the fast path: a process that dies between commit and call leaves the rows, and
the feed's periodic sweep hands them over.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction

from stampcard.cards.models import Card, CardChange
from stampcard.core import clock

# Told after commit, with the primary keys of cards whose changes were recorded. Set by ``stampcard.wallet.apps``.
follower: Callable[[list[int]], object] | None = None


def card_changed(*, card: Card) -> None:
    """Record, in the caller's transaction, that what ``card`` shows changed (``changed_at`` already moved).

    Only cards a wallet holds get a row: most cards are never added to one, and their stamps should not pay for the
    wallets on the checkout's hot path.
    """
    if card.in_wallet:
        CardChange.objects.create(card_id=card.pk, recorded_at=card.changed_at or clock.now())
        _follow_after_commit([card.pk])


def cards_touch(*, card_ids: list[int]) -> None:
    """Mark many cards changed (e.g. their program's design), in the caller's transaction."""
    if not card_ids:
        return
    now = clock.now()
    Card.objects.filter(pk__in=card_ids).update(changed_at=now)
    held = list(Card.objects.filter(pk__in=card_ids, in_wallet=True).order_by("pk").values_list("pk", flat=True))
    CardChange.objects.bulk_create([CardChange(card_id=card_id, recorded_at=now) for card_id in held])
    _follow_after_commit(held)


def merchant_cards_touch(*, merchant_id: Any, after: int = 0, limit: int = 1000) -> list[int]:
    """Mark the next ``limit`` wallet-held cards of the merchant (primary keys above ``after``) changed, in the
    caller's transaction; returns their keys, ascending (empty: none left). For changes that every pass of the
    merchant shows (its locations), walked in batches of short transactions by the caller."""
    card_ids = list(
        Card.objects.filter(merchant_id=merchant_id, in_wallet=True, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    cards_touch(card_ids=card_ids)
    return card_ids


def card_in_wallet(*, card_id: int) -> None:
    """Record that a wallet now holds the card (a device registered, an object was made): from now on its changes
    are recorded for the wallets."""
    Card.objects.filter(pk=card_id, in_wallet=False).update(in_wallet=True)


def _follow_after_commit(card_ids: list[int]) -> None:
    if follower is not None and card_ids:
        # After commit only: a rolled-back change left no row, and its cards must not be announced.
        transaction.on_commit(lambda: _follow(card_ids), robust=True)


def _follow(card_ids: list[int]) -> None:
    if follower is not None:
        follower(card_ids)
