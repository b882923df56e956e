"""Recording ledger lines for the journal's tests, at a chosen instant, by a chosen staff login and channel."""

from datetime import datetime

from django.db import transaction

from stampcard.cards.ledger import ledger_append
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Location, Role
from tests.panel.objects import Shop


def record(
    shop: Shop,
    *,
    kind: EventKind = EventKind.STAMP,
    delta: int = 1,
    role: Role = Role.MANAGER,
    channel: Channel = Channel.PANEL,
    location: Location | None = None,
    card: Card | None = None,
    at: datetime | None = None,
    **payload,
) -> CardEvent:
    staff = shop.staff[role]
    actor = Actor(merchant=shop.merchant, channel=channel, user=staff.membership.user, membership=staff.membership)
    card = card or shop.card
    card.refresh_from_db()
    with transaction.atomic():
        event = ledger_append(
            card=card, kind=kind, delta=delta, lifetime_delta=max(delta, 0), actor=actor, location=location, **payload
        )
    if at is not None:  # the ledger stamps its own time; a test moves the line to the instant it is about
        CardEvent.objects.filter(pk=event.pk).update(created_at=at)
        event.refresh_from_db()
    return event
