"""Telling the wallets that a card changed.

Every change of what a card shows (stamps, rewards, vouchers, its program's design) moves ``Card.changed_at`` in the
same transaction as the change, and sends ``cards_changed`` once that transaction has committed. The wallet
integrations listen: they push or patch outside the transaction, in the background, and compare ``changed_at`` with
what they last delivered, so a repeated or late signal is harmless and a lost one is caught by the next.
"""

from django.db import transaction
from django.dispatch import Signal

from stampcard.core import clock

# Sent after commit with ``card_ids``: a list of ``Card`` primary keys whose wallet content changed.
cards_changed = Signal()


def card_changed(card_id: int) -> None:
    """Announce, once the current transaction commits, that this card's wallet content changed."""
    transaction.on_commit(lambda: cards_changed.send(sender=None, card_ids=[card_id]), robust=True)


def cards_touch(*, card_ids: list[int]) -> None:
    """Mark many cards changed (e.g. their program's design) and announce them after commit."""
    from stampcard.cards.models import Card  # cards builds on this module

    if not card_ids:
        return
    Card.objects.filter(pk__in=card_ids).update(changed_at=clock.now())
    transaction.on_commit(lambda: cards_changed.send(sender=None, card_ids=list(card_ids)), robust=True)
