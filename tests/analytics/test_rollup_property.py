"""Property: for any ledger, figures read from the rollups equal the same figures computed straight from the ledger,
whether the rollups were refreshed once, in two steps as the ledger grew, or rebuilt from scratch."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stampcard.analytics import rollups, selectors
from stampcard.analytics.models import RollupCursor
from stampcard.analytics.periods import Period, PeriodKind, period_resolve
from stampcard.analytics.selectors import Scope
from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

# Windows of eight days around the two clock changes of Europe/Kyiv in 2026, and the zones to read them in.
WINDOWS = [datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC)]
ZONES = ["Europe/Kyiv", "America/New_York", "UTC"]
KINDS = [EventKind.STAMP, EventKind.STAMP, EventKind.STAMP, EventKind.REVERSAL, EventKind.REWARD_ISSUED]

events_st = st.lists(
    st.tuples(
        st.integers(0, 3),  # card
        st.sampled_from(KINDS),
        st.integers(1, 3),  # stamps moved
        st.integers(0, 2),  # location (2: none)
        st.integers(0, 1),  # staff login
        st.integers(0, 8 * 24 * 60 - 1),  # minute of the window
    ),
    max_size=25,
)


def direct(events, *, tz, period: Period, locations=None, actor=None) -> dict[str, object]:
    """The figures of ``period`` computed from the ledger rows alone (the reference), at ``locations`` (a tuple;
    every location when None) and by ``actor``."""
    stamps = sorted((e for e in events if e.kind == EventKind.STAMP), key=lambda e: (e.created_at, e.pk))
    first_of_card = {}
    for e in stamps:
        first_of_card.setdefault(e.card_id, e.pk)

    def counted(e):
        day = e.created_at.astimezone(tz).date()
        return (
            period.first <= day <= period.last
            and (locations is None or e.location_id in locations)
            and (actor is None or e.actor_id == actor)
        )

    mine = [e for e in events if counted(e)]
    visits = [e for e in mine if e.kind == EventKind.STAMP]
    active = {e.card_id for e in visits}
    returning = {e.card_id for e in visits if first_of_card[e.card_id] != e.pk}
    hours = Counter((e.created_at.astimezone(tz).weekday(), e.created_at.astimezone(tz).hour) for e in visits)
    return {
        "visits": len(visits),
        "stamps": sum(e.delta for e in visits),
        "stamps_reversed": sum(-e.delta for e in mine if e.kind == EventKind.REVERSAL),
        "rewards_reached": sum(1 for e in mine if e.kind == EventKind.REWARD_ISSUED),
        "active_customers": len(active),
        "returning_visits": sum(1 for e in visits if first_of_card[e.card_id] != e.pk),
        "return_rate": (Decimal(len(returning)) / len(active)).quantize(Decimal("0.0001")) if active else None,
        "hours": hours,
    }


def from_rollups(*, merchant, period, locations=None, actor=None) -> dict[str, object]:
    scope = Scope(locations=locations, actor_id=actor)
    summary = selectors.analytics_summary(merchant=merchant, period=period, scope=scope)
    got = {f.key: f.value for f in summary.figures}
    hours = Counter({(w, h): n for w, row in enumerate(summary.hours) for h, n in enumerate(row) if n})
    return {
        "visits": got["visits"],
        "stamps": got["stamps"],
        "stamps_reversed": None,
        "rewards_reached": got["rewards_reached"],
        "active_customers": got["active_customers"],
        "returning_visits": summary.roi.returning_visits,
        "return_rate": got["return_rate"],
        "hours": hours,
    }


# No shrinking: each example builds a merchant in the database, and shrinking one took minutes.
@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=events_st,
    window=st.sampled_from(WINDOWS),
    zone=st.sampled_from(ZONES),
    split=st.integers(0, 25),
    first_day=st.integers(0, 8),
    length=st.integers(1, 9),
    filter_by=st.sampled_from(["none", "location", "two locations", "actor", "location and actor"]),
    rebuild=st.booleans(),
    period_kind=st.sampled_from(["custom", "day", "week", "month"]),
)
def test_rollups_equal_the_ledger(rows, window, zone, split, first_day, length, filter_by, rebuild, period_kind):
    # Each example is a new merchant in the same database: the refresh starts after the examples before, whose
    # lines carry other dates (the ledger of one example is in time order, not the ledger across examples).
    last = CardEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    RollupCursor.objects.update_or_create(name=rollups.CURSOR, defaults={"last_event_id": last, "ran_at": None})
    merchant = MerchantFactory(timezone=zone)
    locations = [LocationFactory(merchant=merchant), LocationFactory(merchant=merchant), None]
    staff = [make_staff(merchant, Role.CASHIER), make_staff(merchant, Role.MANAGER)]
    program = ProgramFactory(merchant=merchant)
    cards = [CardFactory(program=program) for _ in range(4)]
    later = window + timedelta(days=30)
    # Appended in time order, as the ledger is: the refresh may run between any two lines.
    rows = sorted(rows, key=lambda r: r[5])
    made = []
    for i, (card, kind, moved, location, person, minute) in enumerate(rows):
        if i == split:
            rollups.rollups_refresh(now=later)
        delta = -moved if kind in (EventKind.REVERSAL, EventKind.REWARD_ISSUED) else moved
        event = CardEvent(
            merchant=merchant,
            card=cards[card],
            kind=kind,
            delta=delta,
            stamps_after=0,
            channel=Channel.API,
            actor=staff[person].membership.user,
            location=locations[location],
        )
        event.save()
        at = window + timedelta(minutes=minute)
        CardEvent.objects.filter(pk=event.pk).update(created_at=at)
        event.created_at = at
        made.append(event)
    rollups.rollups_refresh(now=later)
    if rebuild:
        rollups.rollups_rebuild(merchant=merchant)

    tz = merchant.tz
    start = window.astimezone(tz).date() + timedelta(days=first_day - 1)
    if period_kind == "custom":
        period = Period(PeriodKind.CUSTOM, start, start + timedelta(days=length - 1))
    else:  # the standard periods read their distinct customers from PeriodCustomers
        period = period_resolve(kind=period_kind, today=start)
    seen_at = {
        "location": (locations[0].pk,),
        "two locations": (locations[0].pk, locations[1].pk),
        "location and actor": (locations[1].pk,),
    }.get(filter_by)
    actor = staff[0].membership.user_id if filter_by in ("actor", "location and actor") else None
    for checked in (period, period.previous()):
        expected = direct(made, tz=tz, period=checked, locations=seen_at, actor=actor)
        got = from_rollups(merchant=merchant, period=checked, locations=seen_at, actor=actor)
        expected["stamps_reversed"] = None
        assert got == expected, (checked, [(e.card_id, e.kind, e.created_at) for e in made])


def test_a_day_in_the_period_math():
    period = Period(PeriodKind.CUSTOM, date(2026, 3, 28), date(2026, 3, 30))
    assert period.previous() == Period(PeriodKind.CUSTOM, date(2026, 3, 25), date(2026, 3, 27))
