"""Validity: unlimited, N days, N months (month ends), or until a day in the merchant's time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from stampcard.core.errors import ValidationFailed
from stampcard.vouchers.services import Validity

KYIV = ZoneInfo("Europe/Kyiv")
NEW_YORK = ZoneInfo("America/New_York")


def local(tz, *args):
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, None),
        ({}, None),
        ({"days": None, "months": None, "until": None}, None),
        ({"days": 30}, Validity(days=30)),
        ({"months": 2}, Validity(months=2)),
        ({"until": "2027-01-31"}, Validity(until=date(2027, 1, 31))),
        ({"until": date(2027, 1, 31)}, Validity(until=date(2027, 1, 31))),
    ],
)
def test_validity_is_read_from_its_spec(spec, expected):
    assert Validity.from_spec(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        {"days": 30, "months": 1},
        {"weeks": 2},
        {"days": 0},
        {"days": -3},
        {"days": "30"},
        {"days": True},
        {"months": 1000},
        {"until": "31.01.2027"},
        {"until": 20270131},
        "30 days",
    ],
)
def test_a_malformed_validity_is_refused(spec):
    with pytest.raises(ValidationFailed) as refused:
        Validity.from_spec(spec)
    assert refused.value.code == "invalid_validity"


def test_spec_round_trips():
    for validity in (Validity(days=7), Validity(months=3), Validity(until=date(2027, 1, 31))):
        assert Validity.from_spec(validity.as_spec()) == validity
    assert Validity().as_spec() is None and Validity().is_unlimited


def test_unlimited_never_expires():
    assert Validity().expires_at(start=datetime(2026, 1, 1, tzinfo=UTC), tz=KYIV) is None


def test_days_count_on_the_merchants_wall_clock_across_a_dst_change():
    # Kyiv moves to summer time on 29 March 2026: 30 days from 10:00 still end at 10:00 local.
    start = local(KYIV, 2026, 3, 10, 10, 0)
    end = Validity(days=30).expires_at(start=start, tz=KYIV)
    assert end.astimezone(KYIV) == local(KYIV, 2026, 4, 9, 10, 0)
    assert end - start != (end.astimezone(KYIV).replace(tzinfo=None) - start.replace(tzinfo=None))  # 1 h shorter


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ((2026, 1, 31), 1, (2026, 2, 28)),
        ((2028, 1, 31), 1, (2028, 2, 29)),  # leap year
        ((2026, 3, 31), 1, (2026, 4, 30)),
        ((2026, 1, 31), 2, (2026, 3, 31)),
        ((2026, 11, 30), 3, (2027, 2, 28)),
        ((2026, 12, 15), 1, (2027, 1, 15)),
        ((2026, 8, 31), 12, (2027, 8, 31)),
    ],
)
def test_months_keep_the_day_or_end_on_the_last_day_of_a_shorter_month(start, months, end):
    began = local(KYIV, *start, 18, 30)
    assert Validity(months=months).expires_at(start=began, tz=KYIV).astimezone(KYIV) == local(KYIV, *end, 18, 30)


def test_until_runs_to_the_end_of_that_day_in_the_merchants_zone():
    start = datetime(2026, 6, 1, tzinfo=UTC)
    kyiv_end = Validity(until=date(2027, 1, 31)).expires_at(start=start, tz=KYIV)
    new_york_end = Validity(until=date(2027, 1, 31)).expires_at(start=start, tz=NEW_YORK)
    assert kyiv_end == datetime(2027, 1, 31, 22, 0, tzinfo=UTC)  # midnight in Kyiv (UTC+2)
    assert new_york_end == datetime(2027, 2, 1, 5, 0, tzinfo=UTC)  # midnight in New York (UTC-5)


def test_days_computed_for_a_start_given_in_utc_use_the_local_date():
    # 23:30 UTC on 31 January is already 1 February in Kyiv: a month from then ends on 1 March local.
    start = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    end = Validity(months=1).expires_at(start=start, tz=KYIV)
    assert end.astimezone(KYIV) == local(KYIV, 2026, 3, 1, 1, 30)
