"""The monthly counter under real concurrency: threads with their own PostgreSQL connections, released at once."""

from datetime import UTC, date, datetime

import pytest

from stampcard.cards.models import Card, CardEvent, Check
from stampcard.core.clock import frozen_at
from stampcard.core.testing import run_concurrently
from stampcard.merchants import services
from stampcard.merchants.models import BillingInterval, Plan, Role, UsageCounter
from tests.api.helpers import checkout_body, post
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
PERIOD = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with frozen_at(NOW):
        yield


def a_cashier(*, paid: bool):
    merchant = MerchantFactory()
    if paid:
        services.subscription_change(merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=1)
    return make_staff(merchant, Role.CASHIER)


def commit_one_check_per_card(staff, cards):
    """Every thread commits its own check on its own card, over HTTP."""
    return run_concurrently(
        lambda i: post(staff.client(), "/checkouts", checkout_body(cards[i], external_id=f"P-{i}")), n=len(cards)
    )


def operations(merchant) -> int:
    return sum(UsageCounter.objects.filter(merchant=merchant, period=PERIOD).values_list("operations", flat=True))


def test_with_95_operations_used_16_concurrent_commits_let_exactly_5_through():
    cashier = a_cashier(paid=False)
    program = ProgramFactory(merchant=cashier.merchant)
    cards = [CardFactory(program=program) for _ in range(16)]
    UsageCounter.objects.create(merchant=cashier.merchant, period=PERIOD, operations=95)

    outcomes = commit_one_check_per_card(cashier, cards)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    statuses = sorted(o.value.status_code for o in outcomes)
    assert statuses == [200] * 5 + [429] * 11
    assert {o.value.json()["code"] for o in outcomes if o.value.status_code == 429} == {"plan_limit_reached"}
    assert operations(cashier.merchant) == 100
    stamped = {i for i, o in enumerate(outcomes) if o.value.status_code == 200}
    assert set(Check.objects.values_list("external_id", flat=True)) == {f"P-{i}" for i in stamped}
    assert CardEvent.objects.count() == 5
    assert {c.number for c in Card.objects.filter(stamps=1)} == {cards[i].number for i in stamped}
    assert Card.objects.filter(stamps=0).count() == 11


def test_on_the_paid_plan_16_concurrent_commits_all_count_with_no_count_lost():
    cashier = a_cashier(paid=True)
    program = ProgramFactory(merchant=cashier.merchant)
    cards = [CardFactory(program=program) for _ in range(16)]
    UsageCounter.objects.create(merchant=cashier.merchant, period=PERIOD, operations=100)

    outcomes = commit_one_check_per_card(cashier, cards)

    assert [o.value.status_code for o in outcomes] == [200] * 16, [o.error or o.value.content for o in outcomes]
    assert operations(cashier.merchant) == 116
    assert Check.objects.count() == 16 and CardEvent.objects.count() == 16


@pytest.mark.parametrize("paid", [False, True], ids=["free", "paid"])
def test_the_first_operations_of_a_month_racing_to_create_the_counter_all_count(paid):
    cashier = a_cashier(paid=paid)
    program = ProgramFactory(merchant=cashier.merchant)
    cards = [CardFactory(program=program) for _ in range(16)]
    assert not UsageCounter.objects.exists()

    outcomes = commit_one_check_per_card(cashier, cards)

    assert [o.value.status_code for o in outcomes] == [200] * 16, [o.error or o.value.content for o in outcomes]
    # A capped plan counts in one row; an uncapped one may spread over slots, one row per slot at most.
    slots = list(UsageCounter.objects.filter(merchant=cashier.merchant).values_list("slot", flat=True))
    if paid:
        assert len(slots) == len(set(slots))
    else:
        assert slots == [0]
    assert operations(cashier.merchant) == 16


def test_concurrent_commits_on_one_card_at_the_limit_let_exactly_the_remaining_ones_through():
    cashier = a_cashier(paid=False)
    card = CardFactory(program=ProgramFactory(merchant=cashier.merchant, goal=100))
    UsageCounter.objects.create(merchant=cashier.merchant, period=PERIOD, operations=97)

    outcomes = commit_one_check_per_card(cashier, [card] * 8)

    assert sorted(o.value.status_code for o in outcomes) == [200] * 3 + [429] * 5
    assert operations(cashier.merchant) == 100
    card.refresh_from_db()
    assert card.stamps == 3 == CardEvent.objects.filter(card=card).count() == Check.objects.count()
