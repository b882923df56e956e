"""Spinning a ready lottery reward: the ledger, the reward's state, prize delivery and the one extra try."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.rewards import reward_draw
from stampcard.core.errors import ApplicationError
from stampcard.lottery import fairness
from stampcard.lottery.models import LotteryDraw
from stampcard.rewards.models import Reward
from stampcard.vouchers.selectors import voucher_get
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, make_lottery, spin, variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def scripted_rolls(monkeypatch):
    """Make the next rolls these values (the draws then do not verify: for delivery tests only)."""
    script: list[int] = []
    monkeypatch.setattr(fairness, "roll_of", lambda **_: script.pop(0))
    return script


def test_a_draw_is_in_the_ledger_and_uses_the_reward_up(manager, card):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000, "Next time")])
    reward = lottery_reward(card, lottery)

    (draw,) = reward_draw(actor=manager.actor(), reward=reward)

    reward = reload(reward)
    assert reward.state == "handed_over" and reward.handed_over_at is not None
    assert reward.handed_over_by == manager.membership.user
    event = CardEvent.objects.get(card=card, kind=EventKind.LOTTERY_DRAW)
    assert event.delta == 0 and event.stamps_after == reload(card).stamps
    assert event.payload["draw_id"] == str(draw.pk)
    assert event.payload["reward_id"] == str(reward.pk)
    assert (event.payload["outcome"], event.payload["roll"]) == ("nothing", draw.roll)
    assert event.api_key == manager.api_key
    assert (draw.outcome, draw.sequence, draw.reward) == ("nothing", 1, reward)


def test_an_award_lands_on_the_card_as_a_ready_reward(manager, card):
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Free croissant", greeting="Bon appetit!")])

    (draw,) = spin(manager.actor(), card, lottery)

    prize = draw.prize_reward
    assert (prize.kind, prize.state, prize.stamps_spent) == ("award", "ready", 0)
    assert (prize.title, prize.description, prize.card) == ("Free croissant", "Bon appetit!", card)
    assert prize.spec == {
        "kind": "award",
        "title": "Free croissant",
        "source": "lottery",
        "draw_id": str(draw.pk),
        "lottery_id": str(lottery.pk),
    }
    kinds = list(CardEvent.objects.filter(card=card).order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.LOTTERY_DRAW, EventKind.REWARD_ISSUED]


def test_nothing_delivers_nothing(manager, card):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])

    (draw,) = spin(manager.actor(), card, lottery)

    assert draw.prize_reward is None and draw.prize_voucher_code == ""
    assert Reward.objects.filter(card=card, kind="award").count() == 0


def test_an_extra_try_draws_again_and_can_win(manager, card, scripted_rolls):
    lottery = make_lottery(manager.actor(), [variant("extra_try", 500_000), variant("award", 500_000, "Cake")])
    scripted_rolls += [0, 999_999]

    first, second = spin(manager.actor(), card, lottery)

    assert (first.outcome, second.outcome) == ("extra_try", "award")
    assert second.retry_of == first and second.sequence == first.sequence + 1
    assert second.prize_reward.title == "Cake"
    assert CardEvent.objects.filter(card=card, kind=EventKind.LOTTERY_DRAW).count() == 2


def test_an_extra_try_won_on_the_extra_try_counts_as_nothing(manager, card):
    lottery = make_lottery(manager.actor(), [variant("extra_try", 1_000_000)])

    draws = spin(manager.actor(), card, lottery)

    assert [(d.variant.kind, d.outcome) for d in draws] == [("extra_try", "extra_try"), ("extra_try", "nothing")]
    assert LotteryDraw.objects.count() == 2


def test_a_voucher_prize_is_issued_into_the_card(manager, card):
    lottery = make_lottery(
        manager.actor(),
        [
            variant(
                "voucher",
                1_000_000,
                "Coffee",
                voucher={"title": "50 UAH off", "validity": {"days": 30}, "benefit": {"kind": "amount", "value": 5000}},
            )
        ],
    )

    (draw,) = spin(manager.actor(), card, lottery)

    assert draw.outcome == "voucher" and draw.prize_voucher_code
    voucher = voucher_get(merchant=card.merchant, code=draw.prize_voucher_code)
    assert (voucher.title, voucher.card, voucher.state) == ("50 UAH off", card, "active")
    assert (voucher.benefit_kind, voucher.benefit_value) == ("amount", 5000)
    assert voucher.expires_at is not None
    kinds = list(CardEvent.objects.filter(card=card).order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.LOTTERY_DRAW, EventKind.VOUCHER_ISSUED]


@pytest.mark.parametrize("change", [{"state": "handed_over"}, {"kind": "award"}], ids=["already-spun", "not-a-lottery"])
def test_only_a_ready_lottery_reward_can_be_spun(manager, card, change):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])
    reward = lottery_reward(card, lottery)
    Reward.objects.filter(pk=reward.pk).update(
        **change, **({"handed_over_at": reward.created_at} if "state" in change else {})
    )

    with pytest.raises(ApplicationError) as refused:
        reward_draw(actor=manager.actor(), reward=reload(reward))

    assert (refused.value.status, refused.value.code) == (409, "lottery_reward_not_ready")
    assert not LotteryDraw.objects.exists()


def test_a_reward_whose_lottery_is_gone_is_refused(manager, card):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])
    reward = lottery_reward(card, lottery)
    Reward.objects.filter(pk=reward.pk).update(spec={"lottery_id": "not-a-uuid"})

    with pytest.raises(ApplicationError) as refused:
        reward_draw(actor=manager.actor(), reward=reload(reward))

    assert refused.value.code == "lottery_unavailable"
    assert reload(reward).state == "ready"


def test_another_merchants_reward_or_lottery_cannot_be_spun(manager, card):
    other = make_staff(MerchantFactory(), "manager")
    foreign_lottery = make_lottery(other.actor(), [variant("nothing", 1_000_000)])
    own_lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])
    foreign_card = CardFactory(program=ProgramFactory(merchant=other.merchant))

    with pytest.raises(ApplicationError) as foreign_reward:
        reward_draw(actor=manager.actor(), reward=lottery_reward(foreign_card, own_lottery))
    with pytest.raises(ApplicationError) as foreign_spec:
        reward_draw(actor=manager.actor(), reward=lottery_reward(card, foreign_lottery))

    assert foreign_reward.value.status == 404
    assert foreign_spec.value.code == "lottery_unavailable"
    assert not LotteryDraw.objects.exists()


def test_sequence_numbers_count_the_draws_of_a_period(manager, card):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])

    draws = [spin(manager.actor(), card, lottery)[0] for _ in range(3)]

    assert [d.sequence for d in draws] == [1, 2, 3]
    assert len({d.seed_id for d in draws}) == 1
