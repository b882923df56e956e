"""Appending to the card ledger. The only code that moves ``Card.stamps``.

Callers hold the card's row lock (``locks.card_lock``) inside their transaction; the event and the card's cached
balance are written together, so the balance equals the ledger sum at every commit.
"""

from typing import Any

from django.db.models import F

from stampcard.cards import changes
from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location


def ledger_append(
    *,
    card: Card,
    kind: EventKind,
    delta: int,
    actor: Actor,
    check: Check | None = None,
    location: Location | None = None,
    reason: str = "",
    lifetime_delta: int = 0,
    **payload: Any,
) -> CardEvent:
    """Record one ledger line and move the card's cached balance with it. ``location`` defaults to the actor's."""
    if card.stamps + delta < 0:
        raise ValueError(f"ledger would take card {card.pk} below zero ({card.stamps} {delta:+d})")
    card.stamps += delta
    card.lifetime_stamps += lifetime_delta
    event = CardEvent.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        kind=kind,
        delta=delta,
        stamps_after=card.stamps,
        check_ref=check,
        channel=actor.channel,
        actor=actor.user,
        api_key=actor.api_key,
        location=location or actor.location,
        reason=reason,
        payload=payload,
    )
    now = clock.now()
    # Every ledger line changes what the card shows (a balance, a reward, a voucher): the wallets follow changed_at,
    # and a card a wallet holds gets its change recorded for them in this same transaction.
    update: dict[str, Any] = {"changed_at": now}
    card.changed_at = now
    if delta:
        update["stamps"] = F("stamps") + delta
    if lifetime_delta:
        update["lifetime_stamps"] = F("lifetime_stamps") + lifetime_delta
    if kind == EventKind.STAMP:
        card.last_stamp_at = update["last_stamp_at"] = now
    Card.objects.filter(pk=card.pk).update(**update)
    changes.card_changed(card=card)
    return event
