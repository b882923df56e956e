"""Analytics figures against a hand-computed ledger in Europe/Kyiv: events a second either side of local midnight,
on the 23-hour day of March 2026 (clocks forward at 03:00 on the 29th) and the 25-hour day of October 2026 (clocks
back at 04:00 on the 25th, so 03:30 happens twice)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import transaction

from stampcard.analytics import rollups, selectors
from stampcard.analytics.models import DayRollup, RoiSettings, VisitDay
from stampcard.analytics.periods import Period, PeriodKind, period_resolve
from stampcard.analytics.selectors import Scope
from stampcard.cards.ledger import ledger_append
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

LATER = datetime(2027, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def record(staff, card, at, *, kind=EventKind.STAMP, delta=1):
    card.refresh_from_db()
    with transaction.atomic():
        event = ledger_append(card=card, kind=kind, delta=delta, lifetime_delta=max(delta, 0), actor=staff.actor())
    CardEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


@pytest.fixture
def shop():
    merchant = MerchantFactory(timezone="Europe/Kyiv")
    centre, riverside = LocationFactory(merchant=merchant), LocationFactory(merchant=merchant)
    first = make_staff(merchant, Role.CASHIER, location=centre)
    second = make_staff(merchant, Role.CASHIER, location=riverside)
    program = ProgramFactory(merchant=merchant, goal=8)
    a, b, c = (CardFactory(program=program) for _ in range(3))
    # A and B joined on Saturday 28 March at 23:00 local, C on Sunday 29 March at 00:30 local.
    Card.objects.filter(pk__in=[a.pk, b.pk]).update(created_at=utc(2026, 3, 28, 21, 0))
    Card.objects.filter(pk=c.pk).update(created_at=utc(2026, 3, 28, 22, 30))

    record(first, a, utc(2026, 3, 28, 21, 59, 59))  # Sat 28 Mar 23:59:59 EET: A's first visit
    record(first, b, utc(2026, 3, 28, 22, 0, 0), delta=2)  # Sun 29 Mar 00:00 EET: B's first visit
    record(second, b, utc(2026, 3, 29, 1, 30))  # Sun 29 Mar 04:30 EEST (03:00-04:00 never happened)
    record(first, b, utc(2026, 3, 29, 10, 0), kind=EventKind.REVERSAL, delta=-1)  # 13:00 EEST
    record(second, a, utc(2026, 3, 29, 20, 59, 59))  # Sun 29 Mar 23:59:59 EEST: A returns
    record(second, a, utc(2026, 3, 29, 20, 59, 59), kind=EventKind.REWARD_ISSUED, delta=-2)
    record(second, a, utc(2026, 3, 29, 20, 59, 59), kind=EventKind.REWARD_HANDED_OVER, delta=0)
    record(first, c, utc(2026, 3, 29, 21, 0, 0))  # Mon 30 Mar 00:00 EEST: C's first visit

    record(first, c, utc(2026, 10, 25, 0, 30))  # Sun 25 Oct 03:30 EEST
    record(first, c, utc(2026, 10, 25, 1, 30))  # Sun 25 Oct 03:30 EET, the second time round
    record(second, a, utc(2026, 10, 25, 21, 30))  # Sun 25 Oct 23:30 EET
    record(second, b, utc(2026, 10, 25, 22, 0))  # Mon 26 Oct 00:00 EET

    rollups.rollups_refresh(now=LATER)
    return {"merchant": merchant, "centre": centre, "riverside": riverside, "first": first, "second": second}


def figures(summary) -> dict[str, tuple]:
    return {f.key: (f.value, f.previous) for f in summary.figures}


def test_the_23_hour_day_counts_from_local_midnight_to_local_midnight(shop):
    day = period_resolve(kind="day", today=date(2026, 3, 29))

    summary = selectors.analytics_summary(merchant=shop["merchant"], period=day)

    got = figures(summary)
    assert got["visits"] == (3, 1)
    assert got["stamps"] == (4, 1)
    assert got["active_customers"] == (2, 1)
    assert got["visits_per_customer"] == (Decimal("1.50"), Decimal("1.00"))
    # B came back on the same day at the other location; A came back from Saturday: both are returning.
    assert got["return_rate"] == (Decimal("1.0000"), Decimal("0.0000"))
    assert got["rewards_reached"] == (1, 0)
    assert got["rewards_handed_over"] == (1, 0)
    assert got["cards_issued"] == (1, 2)
    assert summary.figure("visits").change == Decimal("2.0000")
    assert summary.previous == Period(PeriodKind.DAY, date(2026, 3, 28), date(2026, 3, 28))
    sunday = summary.hours[6]
    assert {hour: n for hour, n in enumerate(sunday) if n} == {0: 1, 4: 1, 23: 1}
    assert sum(map(sum, summary.hours)) == 3


def test_one_location_and_one_staff_login(shop):
    day = period_resolve(kind="day", today=date(2026, 3, 29))
    merchant = shop["merchant"]

    centre = figures(
        selectors.analytics_summary(merchant=merchant, period=day, scope=Scope(locations=(shop["centre"].pk,)))
    )
    second = figures(
        selectors.analytics_summary(
            merchant=merchant, period=day, scope=Scope(actor_id=shop["second"].membership.user_id)
        )
    )

    assert centre["visits"] == (1, 1) and centre["stamps"] == (2, 1) and centre["active_customers"] == (1, 1)
    assert centre["return_rate"] == (Decimal("0.0000"), Decimal("0.0000"))
    assert centre["cards_issued"] == (None, None)  # cards are issued to the business, not at a location
    assert second["visits"] == (2, 0) and second["active_customers"] == (2, 0)
    assert second["return_rate"] == (Decimal("1.0000"), None)


def test_a_week_and_the_week_before(shop):
    week = period_resolve(kind="week", today=date(2026, 3, 26))

    summary = selectors.analytics_summary(merchant=shop["merchant"], period=week)

    assert (week.first, week.last) == (date(2026, 3, 23), date(2026, 3, 29))
    got = figures(summary)
    assert got["visits"] == (4, 0)
    assert got["active_customers"] == (2, 0)
    assert got["return_rate"] == (Decimal("1.0000"), None)
    assert [d["visits"] for d in summary.days] == [0, 0, 0, 0, 0, 1, 3]


def test_the_25_hour_day_and_its_repeated_hour(shop):
    day = period_resolve(kind="day", today=date(2026, 10, 25))

    summary = selectors.analytics_summary(merchant=shop["merchant"], period=day)

    got = figures(summary)
    assert got["visits"] == (3, 0)
    assert got["active_customers"] == (2, 0)
    assert got["return_rate"] == (Decimal("1.0000"), None)
    assert summary.hours[6][3] == 2 and summary.hours[6][23] == 1
    month = figures(
        selectors.analytics_summary(
            merchant=shop["merchant"], period=period_resolve(kind="month", today=date(2026, 10, 1))
        )
    )
    assert month["visits"] == (4, 0) and month["active_customers"] == (3, 0)


def test_roi_counts_returning_visits_at_the_average_check_against_rewards_given(shop):
    merchant = shop["merchant"]
    RoiSettings.objects.create(merchant=merchant, average_check=15000, reward_cost=4000)
    day = period_resolve(kind="day", today=date(2026, 3, 29))

    roi = selectors.analytics_summary(merchant=merchant, period=day).roi

    assert (roi.returning_visits, roi.rewards_given) == (2, 1)
    assert (roi.revenue, roi.cost, roi.net, roi.ratio) == (30000, 4000, 26000, Decimal("7.50"))


def test_refreshing_again_changes_nothing_and_equals_a_rebuild(shop):
    merchant = shop["merchant"]

    def snapshot():
        return (
            sorted(
                DayRollup.objects.filter(merchant=merchant).values_list(
                    "day", "location_id", "actor_id", *DayRollup.COUNTERS
                ),
                key=str,
            ),
            sorted(
                VisitDay.objects.filter(merchant=merchant).values_list(
                    "day", "card_id", "location_id", "visits", "first_visit"
                ),
                key=str,
            ),
        )

    before = snapshot()
    rollups.rollups_refresh(now=LATER)
    assert snapshot() == before
    rollups.rollups_rebuild(merchant=merchant)
    assert snapshot() == before


def test_the_first_run_ever_rebuilds_everything_and_reads_on_from_the_end(shop):
    from stampcard.analytics.models import RollupCursor

    cursor = RollupCursor.objects.get(name=rollups.CURSOR)
    assert cursor.last_event_id == CardEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert DayRollup.objects.filter(merchant=shop["merchant"]).exists()
    assert rollups.rollups_refresh(now=LATER).events == 0


def test_the_rebuild_command_gives_the_same_rollups(shop):
    from io import StringIO

    from django.core.management import call_command

    before = sorted(DayRollup.objects.filter(merchant=shop["merchant"]).values_list("day", "visits"), key=str)
    out = StringIO()
    call_command("analytics_rebuild", stdout=out)
    assert "merchants" in out.getvalue()
    call_command("analytics_rebuild", merchant=str(shop["merchant"].pk), stdout=out)
    assert sorted(DayRollup.objects.filter(merchant=shop["merchant"]).values_list("day", "visits"), key=str) == before
