"""Draws under real concurrency on PostgreSQL: caps hold, sequence numbers stay unique, a reward spins once."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.rewards import reward_draw
from stampcard.core.testing import run_concurrently
from stampcard.lottery import proofs
from stampcard.lottery.models import LotteryDailyWins, LotteryDraw
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, make_lottery, variant

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@pytest.fixture
def staff():
    merchant = MerchantFactory()
    return make_staff(merchant, Role.MANAGER)


def rewards_on_separate_cards(staff, lottery, n):
    program = ProgramFactory(merchant=staff.merchant)
    return [lottery_reward(CardFactory(program=program), lottery) for _ in range(n)]


def test_a_total_cap_holds_when_twelve_cards_spin_at_once(staff):
    lottery = make_lottery(staff.actor(), [variant("award", 1_000_000, "Cake", total_cap=5)])
    rewards = rewards_on_separate_cards(staff, lottery, THREADS)

    outcomes = run_concurrently(lambda i: reward_draw(actor=staff.actor(), reward=rewards[i]), n=THREADS)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    draws = LotteryDraw.objects.order_by("sequence")
    assert sorted(d.outcome for d in draws) == ["award"] * 5 + ["nothing"] * 7
    assert lottery.variants.get().wins_total == 5
    assert [d.sequence for d in draws] == list(range(1, THREADS + 1))
    # Each draw recorded the caps as they were when it drew: the first five open, the rest capped.
    assert [d.snapshot["variants"][0]["capped"] for d in draws] == [None] * 5 + ["total"] * 7
    assert all(not proofs.draw_problems(d) for d in draws.select_related("seed"))


def test_a_daily_cap_holds_when_twelve_cards_spin_at_once(staff):
    lottery = make_lottery(staff.actor(), [variant("award", 1_000_000, "Cake", daily_cap=3, total_cap=100)])
    rewards = rewards_on_separate_cards(staff, lottery, THREADS)

    outcomes = run_concurrently(lambda i: reward_draw(actor=staff.actor(), reward=rewards[i]), n=THREADS)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert LotteryDraw.objects.filter(outcome="award").count() == 3
    assert LotteryDailyWins.objects.get().wins == 3


def test_one_reward_spun_from_eight_threads_draws_once(staff):
    lottery = make_lottery(staff.actor(), [variant("award", 500_000), variant("nothing", 500_000)])
    (reward,) = rewards_on_separate_cards(staff, lottery, 1)

    outcomes = run_concurrently(lambda i: reward_draw(actor=staff.actor(), reward=reward), n=8)

    assert sum(o.ok for o in outcomes) == 1
    assert sorted(getattr(o.error, "code", None) for o in outcomes if not o.ok) == ["lottery_reward_not_ready"] * 7
    assert LotteryDraw.objects.count() == 1
    assert CardEvent.objects.filter(kind=EventKind.LOTTERY_DRAW).count() == 1


def test_draws_of_one_card_and_of_many_cards_share_one_gapless_sequence(staff):
    lottery = make_lottery(staff.actor(), [variant("extra_try", 500_000), variant("nothing", 500_000)])
    rewards = rewards_on_separate_cards(staff, lottery, THREADS // 2)
    rewards += [lottery_reward(rewards[0].card, lottery) for _ in range(THREADS // 2)]

    outcomes = run_concurrently(lambda i: reward_draw(actor=staff.actor(), reward=rewards[i]), n=THREADS)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    sequences = sorted(LotteryDraw.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1)) and len(sequences) >= THREADS
