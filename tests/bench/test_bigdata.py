"""The big-data generator (``make bigdata``), run tiny: what it writes keeps the ledger's invariants."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from bench import bigdata
from stampcard.cards import counts
from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant
from stampcard.rewards.models import Reward
from stampcard.vouchers.models import Voucher

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture
def filled():
    return bigdata.fill(cards=1000, events=20_000, now=NOW, log=lambda message: None, vouchers=12)


def test_the_tiny_run_writes_the_sizes_asked_for(filled):
    assert Card.objects.count() == 1000 == filled["cards"]
    assert Customer.objects.count() == 1000
    assert 19_000 <= CardEvent.objects.count() <= 21_000
    big = Merchant.objects.get(pk=filled["merchant_id"])
    assert Card.objects.filter(merchant=big).count() == 880
    assert counts.cards_total(merchant=big) == 880  # the dashboard's total, kept as card issue keeps it
    assert Check.objects.count() == CardEvent.objects.filter(kind=EventKind.STAMP).count()
    assert Reward.objects.count() == CardEvent.objects.filter(kind=EventKind.REWARD_ISSUED).count()
    assert Voucher.objects.count() == 12


def test_every_invariant_holds(filled):
    assert bigdata.invariants_broken() == dict.fromkeys(bigdata.INVARIANTS, 0)


def test_the_invariant_check_notices_a_broken_balance(filled):
    card = Card.objects.filter(stamps__gt=0).first()
    Card.objects.filter(pk=card.pk).update(stamps=card.stamps - 1)
    try:
        assert bigdata.invariants_broken()["card stamps = sum of its ledger deltas"] == 1
    finally:
        Card.objects.filter(pk=card.pk).update(stamps=card.stamps)


def test_visits_fall_in_opening_hours_over_two_years_with_peaks(filled):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT extract(hour FROM created_at AT TIME ZONE 'Europe/Kyiv')::int h, count(*)
               FROM cards_cardevent WHERE kind = 'stamp' GROUP BY 1"""
        )
        by_hour = dict(cursor.fetchall())
        cursor.execute("SELECT min(created_at), max(created_at) FROM cards_cardevent WHERE kind = 'stamp'")
        first, last = cursor.fetchone()
    assert set(by_hour) <= set(range(7, 21))
    assert by_hour[8] > 2 * by_hour[10] and by_hour[12] > 2 * by_hour[15]  # morning and lunch rushes
    assert (last - first).days > 600 and last <= NOW


def test_names_are_ukrainian_and_english_and_contacts_unique(filled):
    names = list(Customer.objects.values_list("name", flat=True))
    assert any("Коваленко" in n or "Шевченко" in n for n in names)
    assert any(n.split()[-1] in ("Smith", "Brown", "Taylor", "Wilson") for n in names)
    emails = [e for e in Customer.objects.values_list("email", flat=True) if e]
    assert len(emails) == len(set(emails)) > 500


def test_visits_are_skewed_towards_regulars(filled):
    visits = sorted(Card.objects.values_list("lifetime_stamps", flat=True))
    top_tenth = sum(visits[-100:])
    assert top_tenth > 0.3 * sum(visits)  # a tenth of the customers bring over 30% of the visits
    assert visits[len(visits) // 2] < sum(visits) / len(visits)  # the median guest comes less than the mean


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [list(bigdata.TABLES)])
        return {name for (name,) in cursor.fetchall()}


def test_a_load_that_fails_half_way_still_builds_the_dropped_indexes_again():
    before = _index_names()

    def fail_after_the_customers(message: str) -> None:
        if message.startswith("customers:"):
            raise RuntimeError("the load broke")

    with pytest.raises(RuntimeError, match="the load broke"):
        bigdata.fill(cards=50, events=500, now=NOW, log=fail_after_the_customers, vouchers=0)

    assert _index_names() == before
