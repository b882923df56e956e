"""Telling the wallets that a card changed.

Every change of what a card shows (stamps, rewards, vouchers, its program's design) moves ``Card.changed_at`` in the
same transaction as the change, and sends ``cards_changed`` once that transaction has committed. The wallet
integrations listen: they push or patch outside the transaction, in the background, and compare ``changed_at`` with
what they last delivered, so a repeated or late signal is harmless and a lost one is caught by the next.
"""

from typing import TYPE_CHECKING

from django.db import transaction
from django.dispatch import Signal

from stampcard.core import clock

if TYPE_CHECKING:
    from stampcard.cards.models import Card

# Sent after commit with ``card_ids``: a list of ``Card`` primary keys whose wallet content changed.
cards_changed = Signal()


def card_changed(card: "Card") -> None:
    """Announce, once the current transaction commits, that this card's wallet content changed.

    Only cards a wallet holds are announced: most cards are never added to one, and their stamps should not pay
    for the wallet integrations' lookups on the checkout's hot path.
    """
    if card.in_wallet:
        card_id = card.pk
        transaction.on_commit(lambda: cards_changed.send(sender=None, card_ids=[card_id]), robust=True)


def card_in_wallet(*, card_id: int) -> None:
    """Record that a wallet now holds the card (a device registered, an object was made): from now on its changes
    are announced."""
    from stampcard.cards.models import Card  # cards builds on this module

    Card.objects.filter(pk=card_id, in_wallet=False).update(in_wallet=True)


def cards_touch(*, card_ids: list[int]) -> None:
    """Mark many cards changed (e.g. their program's design) and announce them after commit."""
    from stampcard.cards.models import Card  # cards builds on this module

    if not card_ids:
        return
    Card.objects.filter(pk__in=card_ids).update(changed_at=clock.now())
    held = list(Card.objects.filter(pk__in=card_ids, in_wallet=True).values_list("pk", flat=True))
    if held:
        transaction.on_commit(lambda: cards_changed.send(sender=None, card_ids=held), robust=True)
