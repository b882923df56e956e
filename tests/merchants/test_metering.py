"""Card operations metered per calendar month in the merchant's time zone; the free plan stops at 100."""

from datetime import UTC, date, datetime

import pytest
from django.db import transaction

from stampcard.cards.models import CardEvent, Check, EarningRule
from stampcard.core.clock import frozen_at
from stampcard.merchants import errors, metering, services
from stampcard.merchants.models import BillingInterval, Plan, Role, UsageCounter
from tests.api.helpers import checkout_body, error_of, get, post
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

# Mid-March in Kyiv (UTC+2 in winter, UTC+3 from the last Sunday of March).
NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


def operations(merchant, period: date) -> int | None:
    """The month's count summed over its slots; None when nothing was counted (no row at all)."""
    rows = list(UsageCounter.objects.filter(merchant=merchant, period=period).values_list("operations", flat=True))
    return sum(rows) if rows else None


def used(merchant, count: int, period: date = date(2026, 3, 1)) -> None:
    UsageCounter.objects.update_or_create(merchant=merchant, period=period, defaults={"operations": count})


def upgrade(merchant) -> None:
    services.subscription_change(merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=1)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with frozen_at(NOW):
        yield


@pytest.fixture
def paid_cashier(db):
    merchant = MerchantFactory()
    upgrade(merchant)
    merchant.refresh_from_db()
    return make_staff(merchant, Role.CASHIER)


# -- the period ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "moment", "period"),
    [
        ("Europe/Kyiv", datetime(2026, 1, 31, 21, 59, tzinfo=UTC), date(2026, 1, 1)),  # 23:59 in Kyiv
        ("Europe/Kyiv", datetime(2026, 1, 31, 22, 0, tzinfo=UTC), date(2026, 2, 1)),  # midnight in Kyiv
        ("Europe/Kyiv", datetime(2026, 1, 31, 23, 30, tzinfo=UTC), date(2026, 2, 1)),
        ("Europe/Kyiv", datetime(2026, 8, 31, 20, 59, tzinfo=UTC), date(2026, 8, 1)),  # summer: UTC+3
        ("Europe/Kyiv", datetime(2026, 8, 31, 21, 0, tzinfo=UTC), date(2026, 9, 1)),
        ("America/New_York", datetime(2026, 2, 1, 3, 0, tzinfo=UTC), date(2026, 1, 1)),  # still Jan 31 there
        ("UTC", datetime(2026, 12, 31, 23, 59, tzinfo=UTC), date(2026, 12, 1)),
        ("UTC", datetime(2027, 1, 1, 0, 0, tzinfo=UTC), date(2027, 1, 1)),
    ],
)
def test_the_period_is_the_calendar_month_in_the_merchants_time_zone(db, timezone, moment, period):
    merchant = MerchantFactory(timezone=timezone)

    assert metering.current_period(merchant=merchant, now=moment) == period


def test_an_operation_at_2330_utc_on_the_last_day_of_a_month_counts_for_the_next_month_in_kyiv(cashier, card):
    with frozen_at(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)):
        response = post(cashier.client(), "/checkouts", checkout_body(card))

    assert response.status_code == 200
    assert operations(cashier.merchant, date(2026, 2, 1)) == 1
    assert operations(cashier.merchant, date(2026, 1, 1)) is None


def test_a_full_month_opens_again_at_midnight_in_the_merchants_time_zone_not_at_utc_midnight(cashier, card):
    used(cashier.merchant, 100, period=date(2026, 1, 1))

    with frozen_at(datetime(2026, 1, 31, 21, 30, tzinfo=UTC)):  # 23:30 in Kyiv: still January
        refused = post(cashier.client(), "/checkouts", checkout_body(card))
    with frozen_at(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)):  # 00:30 in Kyiv: February
        accepted = post(cashier.client(), "/checkouts", checkout_body(card))

    assert error_of(refused, 429)["details"]["resets_at"] == "2026-02-01T00:00:00+02:00"
    assert accepted.status_code == 200
    assert (operations(cashier.merchant, date(2026, 1, 1)), operations(cashier.merchant, date(2026, 2, 1))) == (100, 1)


# -- counting ------------------------------------------------------------------------------------------------------


def test_each_stamping_commit_counts_one_operation(cashier, card):
    for _ in range(3):
        assert post(cashier.client(), "/checkouts", checkout_body(card)).status_code == 200

    assert operations(cashier.merchant, date(2026, 3, 1)) == 3


def test_a_commit_that_issues_several_stamps_and_reaches_a_reward_is_still_one_operation(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=2, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=100)
    card = CardFactory(program=program)

    response = post(cashier.client(), "/checkouts", checkout_body(card, total=300))

    assert response.json()["stamps_issued"] == 3 and len(response.json()["rewards"]) == 1
    assert operations(merchant, date(2026, 3, 1)) == 1


def test_a_commit_that_issues_no_stamps_does_not_count(cashier, merchant):
    program = ProgramFactory(merchant=merchant, min_check_total=5000)
    card = CardFactory(program=program)

    response = post(cashier.client(), "/checkouts", checkout_body(card, total=4999))

    assert response.status_code == 200 and response.json()["stamps_issued"] == 0
    assert Check.objects.filter(card=card).count() == 1
    assert not operations(merchant, date(2026, 3, 1))


def test_a_replayed_commit_a_reversal_and_a_hand_over_do_not_count(cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))
    first = post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1"))
    reward_id = first.json()["rewards"][0]["id"]

    post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1"))
    post(cashier.client(), f"/rewards/{reward_id}/hand-over")
    post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-2"))
    post(cashier.client(), "/checkouts/P-2/reverse")

    assert operations(merchant, date(2026, 3, 1)) == 2


def test_a_manual_adjustment_that_adds_stamps_counts_and_one_that_removes_them_does_not(manager, card):
    post(manager.client(), f"/cards/{card.number}/adjustments", {"delta": 3, "reason": "Paper card moved over"})
    post(manager.client(), f"/cards/{card.number}/adjustments", {"delta": -1, "reason": "Counted twice"})

    assert reload(card).stamps == 2
    assert operations(manager.merchant, date(2026, 3, 1)) == 1


def test_usage_is_counted_per_merchant(cashier, card):
    other = MerchantFactory()
    used(other, 100)

    assert post(cashier.client(), "/checkouts", checkout_body(card)).status_code == 200
    assert (operations(cashier.merchant, date(2026, 3, 1)), operations(other, date(2026, 3, 1))) == (1, 100)


# -- the cap -------------------------------------------------------------------------------------------------------


def test_the_hundredth_operation_is_allowed_and_the_hundred_and_first_is_not(cashier, card):
    used(cashier.merchant, 99)

    hundredth = post(cashier.client(), "/checkouts", checkout_body(card))
    refused = post(cashier.client(), "/checkouts", checkout_body(card))

    assert hundredth.status_code == 200
    assert error_of(refused, 429)["code"] == "plan_limit_reached"
    assert operations(cashier.merchant, date(2026, 3, 1)) == 100


def test_at_the_limit_a_checkout_gets_429_and_nothing_is_written(cashier, card):
    post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-0"))
    used(cashier.merchant, 100)
    card.refresh_from_db()
    before = (Check.objects.count(), CardEvent.objects.count(), card.stamps, card.lifetime_stamps, card.last_stamp_at)

    body = error_of(post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1")), 429)

    assert body["code"] == "plan_limit_reached"
    assert body["details"] == {
        "limit": 100,
        "used": 100,
        "period": "2026-03-01",
        "resets_at": "2026-04-01T00:00:00+03:00",
    }
    assert not Check.objects.filter(external_id="P-1").exists()
    card.refresh_from_db()
    assert (
        Check.objects.count(),
        CardEvent.objects.count(),
        card.stamps,
        card.lifetime_stamps,
        card.last_stamp_at,
    ) == before
    assert operations(cashier.merchant, date(2026, 3, 1)) == 100


def test_at_the_limit_a_commit_that_would_reach_a_reward_issues_no_reward(cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))
    used(merchant, 100)

    assert error_of(post(cashier.client(), "/checkouts", checkout_body(card)), 429)["code"] == "plan_limit_reached"
    assert reload(card).rewards_earned == 0 and not card.rewards.exists()


def test_at_the_limit_a_manual_adjustment_adding_stamps_is_refused(manager, card):
    used(manager.merchant, 100)

    response = post(manager.client(), f"/cards/{card.number}/adjustments", {"delta": 2, "reason": "Goodwill"})

    assert error_of(response, 429)["code"] == "plan_limit_reached"
    assert reload(card).stamps == 0 and not CardEvent.objects.exists()


def test_at_the_limit_what_is_not_an_operation_still_works(cashier, merchant):
    program = ProgramFactory(merchant=merchant, min_check_total=5000)
    card = CardFactory(program=program)
    post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1", total=9000))
    used(merchant, 100)

    preview = post(cashier.client(), "/checkouts/preview", checkout_body(card, total=9000))
    no_stamps = post(cashier.client(), "/checkouts", checkout_body(card, total=100))
    replay = post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1", total=9000))
    reversal = post(cashier.client(), "/checkouts/P-1/reverse")

    assert [r.status_code for r in (preview, no_stamps, replay, reversal)] == [200] * 4
    assert replay.json()["replayed"] is True and reversal.json()["stamps_reversed"] == 1
    assert operations(merchant, date(2026, 3, 1)) == 100


def test_a_preview_warns_when_the_commit_would_hit_the_plan_limit(cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, min_check_total=5000))
    used(cashier.merchant, 99)
    before = post(cashier.client(), "/checkouts/preview", checkout_body(card, total=9000)).json()
    used(cashier.merchant, 100)
    at_limit = post(cashier.client(), "/checkouts/preview", checkout_body(card, total=9000)).json()
    no_stamps = post(cashier.client(), "/checkouts/preview", checkout_body(card, total=100)).json()

    assert before["refused"] is None and before["stamps_to_issue"] == 1
    assert at_limit["refused"]["code"] == "plan_limit_reached" and at_limit["refused"]["details"]["used"] == 100
    assert no_stamps["refused"] is None  # nothing to meter, so nothing to refuse
    assert operations(cashier.merchant, date(2026, 3, 1)) == 100  # previews count nothing


def test_the_paid_plan_has_no_operation_cap(cashier, card):
    upgrade(cashier.merchant)
    used(cashier.merchant, 5000)

    response = post(cashier.client(), "/checkouts", checkout_body(card))

    assert response.status_code == 200
    assert operations(cashier.merchant, date(2026, 3, 1)) == 5001


def test_upgrading_lifts_the_cap_at_once(cashier, card):
    used(cashier.merchant, 100)
    assert post(cashier.client(), "/checkouts", checkout_body(card)).status_code == 429

    upgrade(cashier.merchant)

    assert post(cashier.client(), "/checkouts", checkout_body(card)).status_code == 200


# -- usage_record directly -----------------------------------------------------------------------------------------


def test_recording_usage_creates_the_months_counter_on_first_use(paid_cashier):
    metering.usage_record(merchant=paid_cashier.merchant)
    metering.usage_record(merchant=paid_cashier.merchant, operations=2)

    assert operations(paid_cashier.merchant, date(2026, 3, 1)) == 3


def test_an_uncapped_plan_spreads_its_count_over_slots_that_add_up(paid_cashier):
    for _ in range(64):
        metering.usage_record(merchant=paid_cashier.merchant)

    slots = UsageCounter.objects.filter(merchant=paid_cashier.merchant).values_list("slot", flat=True)
    assert len(slots) > 1 and set(slots) <= set(range(metering.UNCAPPED_SLOTS))
    assert operations(paid_cashier.merchant, date(2026, 3, 1)) == 64
    assert metering.usage_get(merchant=paid_cashier.merchant).operations == 64


def test_after_a_downgrade_the_cap_counts_what_the_uncapped_plan_spread_over_slots(cashier, card):
    period = date(2026, 3, 1)
    UsageCounter.objects.bulk_create(
        [UsageCounter(merchant=cashier.merchant, period=period, slot=slot, operations=33) for slot in (0, 5, 11)]
    )  # 99 used

    first = post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-1"))
    second = post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-2"))

    assert first.status_code == 200
    assert second.status_code == 429 and second.json()["details"]["used"] == 100
    assert operations(cashier.merchant, period) == 100


def test_recording_zero_operations_writes_nothing(merchant):
    metering.usage_record(merchant=merchant, operations=0)

    assert not UsageCounter.objects.exists()


def test_recording_usage_past_the_cap_raises_and_leaves_the_counter(merchant):
    used(merchant, 98)

    with pytest.raises(errors.PlanLimitReached) as refused:
        metering.usage_record(merchant=merchant, operations=3)

    assert refused.value.status == 429 and refused.value.details["used"] == 98
    assert operations(merchant, date(2026, 3, 1)) == 98


def test_an_explicit_limit_overrides_the_plan(merchant):
    used(merchant, 5)

    with pytest.raises(errors.PlanLimitReached):
        metering.usage_record(merchant=merchant, limit=5)


@pytest.mark.django_db(transaction=True)
def test_recording_usage_outside_a_transaction_is_a_programming_error():
    merchant = MerchantFactory()

    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError):
        metering.usage_record(merchant=merchant)
    assert not UsageCounter.objects.exists()


# -- reading usage -------------------------------------------------------------------------------------------------


def test_usage_is_readable_via_get_merchant(cashier, card):
    for _ in range(3):
        post(cashier.client(), "/checkouts", checkout_body(card))

    body = get(cashier.client(), "/merchant").json()

    assert body["plan"] == {"plan": "free", "interval": "", "locations_paid": 0, "seats": 1, "monthly_operations": 100}
    assert body["usage"] == {
        "period_start": "2026-03-01",
        "resets_at": "2026-04-01T00:00:00+03:00",
        "operations": 3,
        "limit": 100,
        "remaining": 97,
    }


def test_usage_of_a_month_without_operations_reads_zero(cashier):
    with frozen_at(datetime(2026, 5, 1, 12, 0, tzinfo=UTC)):
        usage = get(cashier.client(), "/merchant").json()["usage"]

    assert usage == {
        "period_start": "2026-05-01",
        "resets_at": "2026-06-01T00:00:00+03:00",
        "operations": 0,
        "limit": 100,
        "remaining": 100,
    }


def test_the_remaining_operations_never_go_negative(cashier):
    used(cashier.merchant, 130)  # e.g. counted on the paid plan before a downgrade

    assert get(cashier.client(), "/merchant").json()["usage"]["remaining"] == 0


def test_a_paid_merchant_reads_usage_without_a_limit(paid_cashier):
    used(paid_cashier.merchant, 250)

    body = get(paid_cashier.client(), "/merchant").json()

    assert body["plan"]["plan"] == "paid" and body["plan"]["monthly_operations"] is None
    assert body["usage"]["operations"] == 250
    assert body["usage"]["limit"] is None and body["usage"]["remaining"] is None


def test_december_resets_at_the_first_of_january(cashier):
    with frozen_at(datetime(2026, 12, 31, 21, 59, tzinfo=UTC)):
        usage = get(cashier.client(), "/merchant").json()["usage"]

    assert (usage["period_start"], usage["resets_at"]) == ("2026-12-01", "2027-01-01T00:00:00+02:00")
