"""The demo's eight weeks of history: written through the services, dated in the past, and visible in analytics.

The seed runs once for the module (it takes seconds), inside a transaction rolled back at the end.
"""

from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from stampcard.analytics.models import DayRollup
from stampcard.analytics.periods import Period, PeriodKind
from stampcard.analytics.selectors import analytics_summary
from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.customers.models import Customer
from stampcard.demo import history, seed
from stampcard.merchants.models import Merchant
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.models import Voucher, VoucherState


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var), transaction.atomic():
        started = timezone.now()
        saved = seed.seed_demo(base_url="http://testserver")
        saved["_started"] = started
        yield saved
        transaction.set_rollback(True)


@pytest.fixture
def merchant(demo, db):
    return Merchant.objects.get(pk=demo["merchant_id"])


def test_every_card_balance_is_its_ledger_and_the_ledger_is_in_time_order(merchant):
    events = CardEvent.objects.filter(merchant=merchant).order_by("pk")
    running: dict[int, int] = defaultdict(int)
    previous = None
    for event in events.values("card_id", "delta", "stamps_after", "created_at"):
        running[event["card_id"]] += event["delta"]
        assert event["stamps_after"] == running[event["card_id"]]
        assert previous is None or event["created_at"] >= previous
        previous = event["created_at"]
    cards = Card.objects.filter(merchant=merchant)
    assert {card.pk: card.stamps for card in cards} == {card.pk: running[card.pk] for card in cards}
    assert all(card.lifetime_stamps >= card.stamps for card in cards)


def test_the_history_spans_eight_weeks_of_visits_by_the_staff_in_opening_hours(merchant):
    stamps = CardEvent.objects.filter(merchant=merchant, kind=EventKind.STAMP)
    assert 400 <= stamps.count() <= 700
    tz = merchant.tz
    moments = [at.astimezone(tz) for at in stamps.values_list("created_at", flat=True)]
    assert len({moment.isocalendar()[:2] for moment in moments}) >= 7
    assert all(8 <= moment.hour <= 21 for moment in moments)
    assert stamps.filter(actor__isnull=True).count() == 0 and stamps.filter(location__isnull=True).count() == 0
    assert len(set(stamps.values_list("location_id", flat=True))) == 2
    assert len(set(stamps.values_list("actor_id", flat=True))) == 2  # the cashier, and the owner now and then
    weekdays = sum(moment.weekday() < 5 for moment in moments) / 5
    weekend = sum(moment.weekday() >= 5 for moment in moments) / 2
    assert weekdays > weekend
    # Nothing of the history lies in the future, nor within the rollups' settle window.
    assert max(CardEvent.objects.filter(merchant=merchant).values_list("created_at", flat=True)) < timezone.now()


def test_customers_join_over_the_weeks_and_rewards_and_vouchers_go_round(merchant, demo):
    joined = list(Customer.objects.filter(merchant=merchant).values_list("created_at", flat=True))
    assert len(joined) >= 60
    assert max(joined) - min(joined) > timedelta(weeks=6)
    customers = Customer.objects.filter(merchant=merchant)
    assert customers.exclude(email="").exists() and customers.exclude(phone="").exists()
    assert customers.filter(marketing_email_consent=True).exists()
    assert customers.filter(name__regex=r"[А-Яа-яІіЇїЄєҐґ]").count() > customers.count() / 3
    assert Reward.objects.filter(merchant=merchant, state=RewardState.HANDED_OVER).count() >= 5
    assert Voucher.objects.filter(merchant=merchant, state=VoucherState.REDEEMED).count() >= 3
    assert CardEvent.objects.filter(merchant=merchant, kind=EventKind.LOTTERY_DRAW).exists()
    for voucher in Voucher.objects.filter(merchant=merchant, state=VoucherState.REDEEMED):
        assert voucher.created_at <= voucher.redeemed_at < demo["_started"]
    for reward in Reward.objects.filter(merchant=merchant, state=RewardState.HANDED_OVER):
        assert reward.created_at <= reward.handed_over_at < demo["_started"]
    for check in Check.objects.filter(merchant=merchant, pos=history.HISTORY_POS)[:50]:
        assert check.closed_at == check.created_at


def test_analytics_of_the_last_four_weeks_show_returning_customers_at_once(merchant, demo):
    today = timezone.now().astimezone(merchant.tz).date()
    summary = analytics_summary(merchant=merchant, period=Period(PeriodKind.CUSTOM, today - timedelta(days=27), today))
    assert summary.figure("active_customers").value > 0
    assert summary.figure("return_rate").value > 0
    assert summary.figure("visits").value > 100
    assert DayRollup.objects.filter(merchant=merchant).exists()  # rebuilt by the seed, not waiting for the worker
    client = Client()
    assert client.login(username=demo["owner_email"], password=demo["owner_password"])
    for path in ("/panel/", "/panel/analytics/"):
        assert client.get(path).status_code == 200


def test_seeding_again_adds_no_second_history(merchant, demo):
    events = CardEvent.objects.filter(merchant=merchant).count()
    customers = Customer.objects.filter(merchant=merchant).count()

    again = seed.seed_demo(base_url="http://testserver")

    assert again["merchant_id"] == demo["merchant_id"]
    assert CardEvent.objects.filter(merchant=merchant).count() == events
    assert Customer.objects.filter(merchant=merchant).count() == customers
