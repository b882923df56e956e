"""Milestones of every kind reached through a checkout: an award waits, a voucher lands in the card, a lottery
is drawn at once (or waits for the customer to spin), and a reversal takes back only what was not used."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.services import checkout_reverse
from stampcard.lottery import services as lottery_services
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from tests.api.helpers import checkout_body, post
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory


def a_lottery(manager, draw_at="checkout", kind="nothing"):
    return lottery_services.lottery_create(
        actor=manager.actor(),
        name="Wheel",
        draw_at=draw_at,
        variants=[{"kind": kind, "name": "Prize", "probability_ppm": 1_000_000}],
    )


@pytest.fixture
def card_with_kinds(merchant, manager):
    lottery = a_lottery(manager, kind="award")
    program = ProgramFactory(
        merchant=merchant,
        goal=3,
        milestones=[
            {
                "at": 1,
                "kind": "voucher",
                "title": "10% off",
                "voucher": {"validity": {"days": 30}, "benefit": {"kind": "percent", "value": 10}},
            },
            {"at": 2, "kind": "lottery", "title": "Spin the wheel", "lottery_id": str(lottery.pk)},
            {"at": 3, "kind": "award", "title": "Free coffee"},
        ],
    )
    return CardFactory(program=program)


def commit(cashier, card, external_id):
    response = post(cashier.client(), "/checkouts", checkout_body(card, external_id=external_id))
    assert response.status_code == 200, response.content
    return response.json()


def test_a_voucher_milestone_issues_a_voucher_into_the_card_and_the_checkout_returns_it(cashier, card_with_kinds):
    body = commit(cashier, card_with_kinds, "P-1")

    [reward] = body["rewards"]
    assert reward["kind"] == "voucher" and reward["state"] == "handed_over"
    assert reward["voucher"]["title"] == "10% off" and reward["voucher"]["state"] == "active"
    assert reward["voucher"]["benefit"] == {"kind": "percent", "value": 10}
    assert [v["code"] for v in body["card"]["vouchers"]] == [reward["voucher"]["code"]]
    assert CardEvent.objects.filter(card=card_with_kinds, kind=EventKind.VOUCHER_ISSUED).count() == 1


def test_a_lottery_milestone_drawn_at_checkout_returns_the_draw_and_its_prize(cashier, card_with_kinds):
    commit(cashier, card_with_kinds, "P-1")
    body = commit(cashier, card_with_kinds, "P-2")

    [reward] = body["rewards"]
    assert reward["kind"] == "lottery" and reward["state"] == "handed_over"
    [draw] = reward["lottery_draws"]
    assert draw["outcome"] == "award" and draw["reward"]["title"] == "Prize"
    assert [r["title"] for r in body["card"]["rewards_ready"]] == ["Prize"]  # the prize waits at the counter
    assert CardEvent.objects.filter(card=card_with_kinds, kind=EventKind.LOTTERY_DRAW).count() == 1


def test_a_lottery_the_customer_spins_waits_ready_and_the_preview_says_a_draw_is_due(cashier, manager, merchant):
    lottery = a_lottery(manager, draw_at="customer")
    program = ProgramFactory(
        merchant=merchant,
        goal=2,
        milestones=[
            {"at": 2, "kind": "lottery", "title": "Spin", "lottery_id": str(lottery.pk)},
        ],
    )
    card = CardFactory(program=program)
    commit(cashier, card, "P-1")

    preview = post(cashier.client(), "/checkouts/preview", checkout_body(card)).json()
    body = commit(cashier, card, "P-2")

    assert preview["lottery_due"] is True and [r["kind"] for r in preview["rewards"]] == ["lottery"]
    assert body["rewards"][0]["state"] == "ready" and body["rewards"][0]["lottery_draws"] == []
    assert post(cashier.client(), "/checkouts/preview", checkout_body(card)).json()["lottery_due"] is True


def test_reversing_a_check_cancels_the_unredeemed_voucher_it_reached(cashier, card_with_kinds):
    code = commit(cashier, card_with_kinds, "P-1")["rewards"][0]["voucher"]["code"]

    result = post(cashier.client(), "/checkouts/P-1/reverse").json()

    assert [r["kind"] for r in result["rewards_withdrawn"]] == ["voucher"]
    assert Voucher.objects.get(code=code).state == "cancelled"
    assert reload(card_with_kinds).stamps == 0 and reload(card_with_kinds).milestones_reached == 0


def test_a_redeemed_voucher_stays_with_the_customer_when_its_check_is_reversed(cashier, card_with_kinds):
    code = commit(cashier, card_with_kinds, "P-1")["rewards"][0]["voucher"]["code"]
    vouchers_services.voucher_redeem(actor=cashier.actor(), code=code)

    result = post(cashier.client(), "/checkouts/P-1/reverse").json()

    assert result["rewards_withdrawn"] == [] and result["stamps_reversed"] == 1
    assert Voucher.objects.get(code=code).state == "redeemed"
    assert reload(card_with_kinds).milestones_reached == 1  # not given twice when the card gets back to 1


def test_a_drawn_lottery_is_never_withdrawn(cashier, card_with_kinds):
    commit(cashier, card_with_kinds, "P-1")
    commit(cashier, card_with_kinds, "P-2")

    result = checkout_reverse(actor=cashier.actor(), external_id="P-2")

    assert result.rewards_withdrawn == []
    assert Reward.objects.get(card=card_with_kinds, kind="lottery").state == RewardState.HANDED_OVER
    prize = Reward.objects.get(card=card_with_kinds, spec__source="lottery")
    assert prize.state == RewardState.READY  # won in the draw: a refund of stamps does not take it back
