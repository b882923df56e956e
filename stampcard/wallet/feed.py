"""The wallet change feed: hands the card changes that cards recorded to the wallets holding the cards.

Cards writes a ``CardChange`` row in the transaction that changes a card a wallet holds (``cards.changes``); cards
never calls up here. This module, above both wallets, reads the rows and hands each changed card to Apple Wallet (a
push to the devices holding its pass) and to Google Wallet (a patch of its object) by queueing their background work,
then deletes the rows. Two ways in:

- ``cards_committed``, right after the commit that wrote the rows (cards calls it as ``cards.changes.follower``, set
  in ``wallet.apps``): the fast path;
- ``changes_sweep``, every minute (``wallet.tasks.wallet_changes_sweep``): rows older than ``SWEEP_AFTER`` that no
  hook handed over, because the process died between commit and hook, or a hand-over failed.

At least once: rows are deleted only after both wallets took them, and both wallets compare the card's ``changed_at``
with what they last delivered (``ApplePass.pushed_changed_at``; ``GoogleObject.synced_hash``), so a card handed over
twice costs a query, not a second push. Rows are claimed before the hand-over (``wallet.locks``): workers sweeping at
once never take the same row, and a worker that dies holding some lets its claim lapse after ``CLAIM_FOR``.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from stampcard.cards.models import CardChange
from stampcard.core import clock
from stampcard.wallet import locks
from stampcard.wallet.apple import tasks as apple_tasks
from stampcard.wallet.google import tasks as google_tasks
from stampcard.wallet.locks import ClaimedChange

logger = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=1)  # younger rows are left to the after-commit hook of the process that wrote them
CLAIM_FOR = timedelta(minutes=5)  # a hand-over queues tasks (no network): far shorter in practice
BATCH = 500  # rows per claim; cards per hand-over call
MAX_ATTEMPTS = 10  # hand-overs of one row before it is dropped, logged (a wallet that cannot even queue its work)


@dataclass
class FeedReport:
    handed_over: int = 0  # rows handed to both wallets, and deleted
    left: int = 0  # rows a wallet could not take; handed over again when their claim lapses
    dropped: int = 0  # rows given up after MAX_ATTEMPTS

    def as_dict(self) -> dict[str, int]:
        return {"handed_over": self.handed_over, "left": self.left, "dropped": self.dropped}


def cards_committed(card_ids: list[int]) -> FeedReport:
    """Hand over the recorded changes of these cards now (called right after the commit that recorded them)."""
    report = FeedReport()
    for chunk in _chunks(sorted(set(card_ids)), BATCH):
        _hand_over(locks.card_changes_claim(card_ids=chunk, claim_for=CLAIM_FOR), report)
    return report


def changes_sweep() -> FeedReport:
    """Hand over every change older than ``SWEEP_AFTER`` that nobody holds. Safe to run from several workers."""
    report = FeedReport()
    while True:
        claimed = locks.card_changes_claim(recorded_before=clock.now() - SWEEP_AFTER, limit=BATCH, claim_for=CLAIM_FOR)
        if not claimed:
            return report
        # Claimed rows stay out of reach until their claim lapses, so every round takes new ones and the loop ends.
        _hand_over(claimed, report)


def _hand_over(claimed: list[ClaimedChange], report: FeedReport) -> None:
    if not claimed:
        return
    card_ids = sorted({change.card_id for change in claimed})
    # Both wallets are told even when the first fails: they are independent, and each ignores what it already has.
    apple_ok = _queue("Apple Wallet pushes", apple_tasks.changes_enqueue, card_ids)
    google_ok = _queue("Google Wallet patches", google_tasks.changes_enqueue, card_ids)
    if apple_ok and google_ok:
        CardChange.objects.filter(pk__in=[change.pk for change in claimed]).delete()
        report.handed_over += len(claimed)
        return
    spent = [change.pk for change in claimed if change.attempts >= MAX_ATTEMPTS]
    if spent:
        logger.error("giving up handing %d card changes to the wallets after %d attempts", len(spent), MAX_ATTEMPTS)
        CardChange.objects.filter(pk__in=spent).delete()
    report.dropped += len(spent)
    report.left += len(claimed) - len(spent)


def _queue(what: str, enqueue: Callable[..., int], card_ids: list[int]) -> bool:
    try:
        enqueue(card_ids=card_ids)
    except Exception:
        logger.exception("could not queue %s for %d cards; they are handed over again later", what, len(card_ids))
        return False
    return True


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
