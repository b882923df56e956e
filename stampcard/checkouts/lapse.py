"""Stamps that lapse: a program whose stamps expire after a stretch without a visit takes them off the card.

The lapse is one more write of the balance through the same door as every other (``cards.locks.card_lock``, then
``cards.ledger.ledger_append``), so a stamp committing at the same moment is settled by the card's row lock: either
the stamp lands first (the card has just been visited, so nothing lapses) or the lapse lands first (the stamp then
starts a fresh round on an empty card). Both are re-checked after the lock is taken, never before.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, EventKind
from stampcard.merchants.actors import Actor
from stampcard.rewards import services as rewards_services


def last_visit(card: Card) -> datetime:
    """When the card was last stamped at a visit; its creation for a card never stamped (its stamps came from an
    import, a referral or a manager)."""
    return card.last_stamp_at or card.created_at


@dataclass(frozen=True)
class Lapse:
    card: Card
    stamps_lapsed: int


@transaction.atomic
def card_stamps_lapse(*, actor: Actor, card_id: int, visited_before: datetime, idle_days: int) -> Lapse | None:
    """Take every stamp off the card if it has not been visited since ``visited_before`` (the caller's cut-off for
    ``idle_days`` days in the merchant's time zone). None when nothing lapses (no stamps, or visited since: a
    stamp that won the race for the lock). The round starts over: milestones reached in it count again."""
    card = card_lock(merchant=actor.merchant, card_id=card_id)
    if card.stamps == 0 or last_visit(card) >= visited_before:
        return None
    lapsed = card.stamps
    ledger_append(
        card=card,
        kind=EventKind.STAMPS_EXPIRED,
        delta=-lapsed,
        actor=actor,
        idle_days=idle_days,
        last_visit=last_visit(card).isoformat(),
    )
    if card.milestones_reached:
        card.milestones_reached = 0
        rewards_services.card_progress_save(card=card)
    return Lapse(card=card, stamps_lapsed=lapsed)
