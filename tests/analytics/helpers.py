"""A stamp dated in the past, for the analytics' rollups to find."""

from datetime import datetime

from django.db import transaction

from stampcard.cards.ledger import ledger_append
from stampcard.cards.models import CardEvent, EventKind


def stamp(staff, card, at: datetime) -> None:
    """One stamp by ``staff`` on ``card`` through the ledger, its line then dated ``at``."""
    card.refresh_from_db()
    with transaction.atomic():
        event = ledger_append(card=card, kind=EventKind.STAMP, delta=1, lifetime_delta=1, actor=staff.actor())
    CardEvent.objects.filter(pk=event.pk).update(created_at=at)
