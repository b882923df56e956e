"""Manual mode: staff stamp the card they scanned, through the checkout, once per scan id."""

import uuid

import pytest

from stampcard.cards.models import CardEvent, Check, EarningRule, EventKind
from stampcard.merchants.actors import Channel
from stampcard.merchants.metering import current_period
from stampcard.merchants.models import Plan, UsageCounter
from stampcard.merchants.plans import limits_for
from stampcard.rewards.models import Reward, RewardState
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_amount_card(merchant):
    program = ProgramFactory(
        merchant=merchant, is_default=False, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=10000
    )
    return CardFactory(program=program)


def test_a_per_receipt_stamp_gives_the_programs_stamps_per_receipt_whatever_the_amount(manual, merchant):
    _device, client = manual
    program = ProgramFactory(
        merchant=merchant, is_default=False, stamps_per_receipt=2, min_check_total=50000, max_stamps_per_check=5
    )
    card = CardFactory(program=program)

    without_amount = client.stamp(card)
    with_small_amount = client.stamp(card, amount=100)

    assert without_amount.status_code == with_small_amount.status_code == 200
    assert without_amount.json()["stamps_issued"] == with_small_amount.json()["stamps_issued"] == 2
    assert with_small_amount.json()["card"]["stamps"] == 4
    assert reload(card).stamps == 4


def test_a_per_amount_stamp_needs_the_amount(manual, per_amount_card):
    _device, client = manual

    response = client.stamp(per_amount_card)

    assert response.status_code == 422
    assert response.json()["code"] == "amount_required"
    assert response.json()["details"]["fields"][0]["field"] == "amount"
    assert reload(per_amount_card).stamps == 0


def test_a_per_amount_stamp_follows_the_earning_rule(manual, per_amount_card):
    _device, client = manual

    response = client.stamp(per_amount_card, amount=25050)

    assert response.json()["stamps_issued"] == 2
    check = Check.objects.get(card=per_amount_card)
    assert (check.pos, check.total, check.currency) == ("scanner", 25050, "UAH")


def test_the_stamp_is_recorded_as_the_pairing_staff_member_on_the_scanner_channel_at_the_devices_location(
    manual, card, staff, location
):
    _device, client = manual

    client.stamp(card)

    event = CardEvent.objects.get(card=card, kind=EventKind.STAMP)
    assert event.channel == Channel.SCANNER
    assert event.actor == staff.user
    assert event.api_key is None
    assert event.location == location


def test_a_retry_of_one_scan_id_replays_and_never_stamps_twice(manual, card):
    _device, client = manual
    scan_id = str(uuid.uuid4())

    first = client.stamp(card, scan_id=scan_id)
    retry = client.stamp(card, scan_id=scan_id)
    by_number = client.stamp(card, scan_id=scan_id, ref=card.number)

    assert first.json()["replayed"] is False
    assert retry.json()["replayed"] is by_number.json()["replayed"] is True
    assert first.json()["stamps_issued"] == retry.json()["stamps_issued"] == 1
    assert reload(card).stamps == 1
    assert Check.objects.filter(card=card).count() == 1


def test_a_scan_id_used_for_another_card_is_a_conflict(manual, card, program):
    _device, client = manual
    scan_id = str(uuid.uuid4())
    client.stamp(card, scan_id=scan_id)

    response = client.stamp(CardFactory(program=program), scan_id=scan_id)

    assert response.status_code == 409
    assert response.json()["code"] == "check_belongs_to_another_card"


def test_the_scan_id_must_be_a_uuid(manual, card):
    _device, client = manual

    response = client.post(f"/cards/{card.number}/stamps", {"scan_id": "twelve"})

    assert response.status_code == 422
    assert response.json()["details"]["fields"][0]["field"] == "scan_id"


def test_an_unknown_card_is_not_found(manual):
    _device, client = manual

    response = client.post("/cards/999999/stamps", {"scan_id": str(uuid.uuid4())})

    assert response.status_code == 404
    assert response.json()["code"] == "card_not_found"


def test_reaching_the_goal_shows_the_award_and_staff_hand_it_over(manual, merchant):
    _device, client = manual
    card = CardFactory(program=ProgramFactory(merchant=merchant, is_default=False, goal=2, reward_title="Free tea"))
    client.stamp(card)

    response = client.stamp(card)

    (reached,) = response.json()["rewards"]
    assert (reached["kind"], reached["title"]) == ("award", "Free tea")
    assert response.json()["card"]["rewards_ready"] == [
        {"id": reached["id"], "kind": "award", "title": "Free tea", "description": ""}
    ]
    handed = client.post(f"/rewards/{reached['id']}/hand-over")
    assert handed.status_code == 200
    assert handed.json()["card"]["rewards_ready"] == []
    assert Reward.objects.get(pk=reached["id"]).state == RewardState.HANDED_OVER
    assert client.post(f"/rewards/{reached['id']}/hand-over").json()["code"] == "reward_already_handed_over"


def test_the_plan_cap_refuses_with_429_as_the_api_does(manual, card, merchant):
    _device, client = manual
    assert merchant.subscription.plan == Plan.FREE
    UsageCounter.objects.create(
        merchant=merchant,
        period=current_period(merchant=merchant),
        operations=limits_for(merchant.subscription).monthly_operations,
    )

    response = client.stamp(card)

    assert response.status_code == 429
    assert response.json()["code"] == "plan_limit_reached"
    assert reload(card).stamps == 0
