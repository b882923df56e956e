"""Row locks for cards. Every writer that changes a card's balance takes the card's lock first."""

import uuid

from stampcard.cards.models import Card, Check, Program
from stampcard.cards.selectors import card_fetch
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant


def card_lock(*, merchant: Merchant, ref: str | None = None, card_id: int | None = None) -> Card:
    """Lock and return a card by number/QR payload or by id. Raises NotFound for other tenants' cards.

    The card comes with its version of the rules and its customer (not its program: a card's rules come from its
    version, and the program is loaded lazily only for a card without one); one statement, on every checkout's path.
    """
    card = card_fetch(merchant=merchant, ref=ref, card_id=card_id, lock=True)
    if card is None:
        raise NotFound(code="card_not_found")
    if card.merged_into_id is not None:
        # Merged while we waited for the lock (the merge holds both cards): the write goes to the survivor. A merge
        # that later closes the survivor re-points this card too, so the chain is followed to an open card.
        return card_lock(merchant=merchant, card_id=card.merged_into_id)
    return card


def cards_lock_many(*, merchant: Merchant, card_ids: list[int]) -> dict[int, Card]:
    """Lock several cards of this merchant in primary-key order (the order of every writer holding more than one),
    and return them by id. Raises NotFound if one is missing or another tenant's."""
    locked = {
        card.pk: card
        for card in Card.objects.filter(merchant=merchant, pk__in=card_ids)
        .select_related("program_version", "customer")
        .order_by("pk")
        .select_for_update(of=("self",))
    }
    if set(locked) != set(card_ids):
        raise NotFound(code="card_not_found")
    return locked


def check_lock(*, check_id: int) -> Check:
    """Lock a committed check; callers hold its card's lock first (the lock order of every writer)."""
    return Check.objects.select_for_update().get(pk=check_id)


def program_lock(*, program_id: uuid.UUID) -> Program:
    """Lock a program while a new version of its rules is made, so two editors cannot both make version N+1."""
    return Program.objects.select_for_update().get(pk=program_id)
