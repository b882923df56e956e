"""Two workers refreshing the rollups at once (PostgreSQL, real threads): they queue on the cursor's lock, nothing is
counted twice or lost, and the result equals a rebuild from scratch."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from stampcard.analytics import rollups
from stampcard.analytics.models import DayRollup, RollupCursor, VisitDay
from stampcard.cards.ledger import ledger_append
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LATER = datetime(2027, 1, 1, tzinfo=UTC)


def snapshot(merchant):
    days = DayRollup.objects.filter(merchant=merchant)
    return (
        sorted(days.values_list("day", "location_id", "actor_id", *DayRollup.COUNTERS), key=str),
        sorted(
            VisitDay.objects.filter(merchant=merchant).values_list("day", "card_id", "visits", "first_visit"), key=str
        ),
    )


def test_eight_workers_refreshing_at_once_count_each_visit_once():
    merchant = MerchantFactory()
    staff = make_staff(merchant, Role.CASHIER, location=LocationFactory(merchant=merchant))
    program = ProgramFactory(merchant=merchant)
    cards = [CardFactory(program=program) for _ in range(5)]
    start = datetime(2026, 3, 27, 20, tzinfo=UTC)
    for i in range(60):
        card = cards[i % 5]
        card.refresh_from_db()
        with transaction.atomic():
            event = ledger_append(card=card, kind=EventKind.STAMP, delta=1, lifetime_delta=1, actor=staff.actor())
        CardEvent.objects.filter(pk=event.pk).update(created_at=start + timedelta(hours=i * 3))

    # A cursor that has run before (a first run ever rebuilds everything at once instead of reading the ledger).
    RollupCursor.objects.create(name=rollups.CURSOR, last_event_id=0, ran_at=datetime(2026, 1, 1, tzinfo=UTC))
    outcomes = run_concurrently(lambda i: rollups.rollups_refresh(now=LATER, batch=25), n=8)

    assert [o.error for o in outcomes] == [None] * 8
    # Batches of 25: three of the eight runs read the 60 lines, the others found nothing new.
    assert sorted(o.value.events for o in outcomes) == [0] * 5 + [10, 25, 25]
    concurrent = snapshot(merchant)
    assert sum(row[DayRollup.COUNTERS.index("visits") + 3] for row in concurrent[0]) == 60
    rollups.rollups_rebuild(merchant=merchant)
    assert snapshot(merchant) == concurrent
