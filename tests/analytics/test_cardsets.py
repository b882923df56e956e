"""Distinct customers of any range: a range is covered by months, weeks and days, whose sets of cards are merged."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stampcard.analytics import rollups
from stampcard.analytics.cardsets import cardset_pack, cardset_union, cardset_unpack
from stampcard.analytics.models import PeriodCustomers
from stampcard.analytics.periods import Period, PeriodKind, period_cover, period_resolve
from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from tests.analytics.test_rollup_property import direct, from_rollups
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory

days_st = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@given(first=days_st, length=st.integers(1, 400))
def test_a_cover_is_the_range_exactly_in_standard_periods(first, length):
    last = first + timedelta(days=length - 1)
    cover = period_cover(first, last)
    assert cover[0].first == first and cover[-1].last == last
    for before, after in zip(cover, cover[1:], strict=False):
        assert after.first == before.last + timedelta(days=1)
    for part in cover:
        assert part == period_resolve(kind=part.kind, today=part.first)  # a real day, week or month
    whole_months = {period_resolve(kind=PeriodKind.MONTH, today=first + timedelta(days=i)) for i in range(length)} - {
        period_resolve(kind=PeriodKind.MONTH, today=first),
        period_resolve(kind=PeriodKind.MONTH, today=last),
    }
    whole_months |= {
        p
        for p in (period_resolve(kind=PeriodKind.MONTH, today=d) for d in (first, last))
        if p.first >= first and p.last <= last
    }
    assert {part for part in cover if part.kind == PeriodKind.MONTH} == whole_months
    # Around each month, at most six days before the first whole week and six after the last.
    assert sum(1 for part in cover if part.kind == PeriodKind.DAY) <= 12 * (len(whole_months) + 1)


def test_a_month_inside_a_range_is_one_part():
    cover = period_cover(date(2026, 9, 6), date(2026, 12, 4))
    assert [(p.kind, p.first) for p in cover if p.kind != PeriodKind.DAY] == [
        (PeriodKind.WEEK, date(2026, 9, 7)),
        (PeriodKind.WEEK, date(2026, 9, 14)),
        (PeriodKind.WEEK, date(2026, 9, 21)),
        (PeriodKind.MONTH, date(2026, 10, 1)),
        (PeriodKind.MONTH, date(2026, 11, 1)),
    ]
    assert len(cover) == 13


def test_sets_pack_and_merge():
    monday, tuesday = cardset_pack([100001, 523456, 999999]), cardset_pack([523456, 700000])
    assert sorted(cardset_unpack(monday)) == [100001, 523456, 999999]
    assert len(cardset_union([monday, tuesday])) == 4
    assert len(cardset_union([])) == 0 and len(cardset_unpack(b"")) == 0


@pytest.mark.django_db
def test_distinct_customers_of_long_ranges_equal_the_ledger():
    """Ten weeks of visits across three calendar months at two locations: every range read from merged sets of
    months, weeks and days counts the customers the ledger counts, for the business and for two locations."""
    rng = random.Random(7)
    merchant = MerchantFactory(timezone="Europe/Kyiv")
    locations = [LocationFactory(merchant=merchant), LocationFactory(merchant=merchant)]
    staff = make_staff(merchant, Role.CASHIER)
    program = ProgramFactory(merchant=merchant)
    cards = [CardFactory(program=program) for _ in range(12)]
    start = datetime(2026, 1, 24, 8, tzinfo=UTC)
    made = []
    for minute in sorted(rng.sample(range(72 * 24 * 60), 160)):
        event = CardEvent(
            merchant=merchant,
            card=rng.choice(cards),
            kind=EventKind.STAMP,
            delta=1,
            stamps_after=0,
            channel=Channel.API,
            actor=staff.membership.user,
            location=rng.choice(locations),
        )
        event.save()
        event.created_at = start + timedelta(minutes=minute)
        CardEvent.objects.filter(pk=event.pk).update(created_at=event.created_at)
        made.append(event)
    rollups.rollups_rebuild(merchant=merchant)
    assert PeriodCustomers.objects.filter(merchant=merchant, kind=PeriodKind.MONTH, first=date(2026, 2, 1)).exists()

    ranges = [
        (date(2026, 1, 24), date(2026, 4, 3)),
        (date(2026, 1, 30), date(2026, 3, 2)),
        (date(2026, 2, 1), date(2026, 2, 28)),
    ]
    ranges += [
        (date(2026, 1, 24) + timedelta(days=a), date(2026, 1, 24) + timedelta(days=a + n))
        for a, n in [(3, 9), (10, 40), (20, 25), (6, 0)]
    ]
    months_used = 0
    for first, last in ranges:
        period = Period(PeriodKind.CUSTOM, first, last)
        months_used += sum(1 for part in period_cover(first, last) if part.kind == PeriodKind.MONTH)
        for seen_at in (None, (locations[0].pk, locations[1].pk), (locations[1].pk,)):
            expected = direct(made, tz=merchant.tz, period=period, locations=seen_at)
            got = from_rollups(merchant=merchant, period=period, locations=seen_at)
            assert (got["active_customers"], got["return_rate"]) == (
                expected["active_customers"],
                expected["return_rate"],
            ), (first, last, seen_at)
    assert months_used >= 3
