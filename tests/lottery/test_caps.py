"""Prize caps: a prize that ran out gives nothing, the odds shown say so, and a daily cap resets at midnight."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from stampcard.core.clock import frozen_at
from stampcard.lottery.services import lottery_odds
from tests.lottery.helpers import make_lottery, spin, variant

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")  # the merchant's time zone (tests.factories.MerchantFactory)


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV)


def outcomes(manager, card, lottery, n):
    return [d.outcome for _ in range(n) for d in spin(manager.actor(), card, lottery)]


def test_a_prize_past_its_total_cap_gives_nothing(manager, card):
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Cake", total_cap=2)])

    assert outcomes(manager, card, lottery, 4) == ["award", "award", "nothing", "nothing"]
    assert lottery.variants.get().wins_total == 2
    assert card.rewards.filter(kind="award").count() == 2


def test_the_odds_shown_fold_a_capped_prize_into_nothing(manager, card):
    lottery = make_lottery(
        manager.actor(),
        [variant("award", 250_000, "Cake", total_cap=1), variant("nothing", 750_000, "Next time")],
    )
    cake, nothing = (str(pk) for pk in lottery.variants.order_by("position").values_list("pk", flat=True))

    before = lottery_odds(lottery=lottery)
    assert [(r["variant_id"], r["probability_ppm"], r["capped"]) for r in before] == [
        (cake, 250_000, None),
        (nothing, 750_000, None),
    ]
    assert before[0]["remaining_total"] == 1

    while not card.rewards.filter(kind="award").exists():
        spin(manager.actor(), card, lottery)

    after = lottery_odds(lottery=lottery)
    assert [(r["variant_id"], r["kind"], r["probability_ppm"], r["capped"]) for r in after] == [
        (cake, "award", 0, "total"),
        (nothing, "nothing", 750_000, None),
        (None, "nothing", 250_000, None),
    ]
    assert after[2]["fallback_for"] == [cake] and after[2]["probability"] == "25"
    assert sum(r["probability_ppm"] for r in after) == 1_000_000


def test_a_daily_cap_resets_at_the_merchants_midnight(manager, card):
    with frozen_at(kyiv(2027, 1, 14, 9, 0)):
        lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Cake", daily_cap=2)])
        assert outcomes(manager, card, lottery, 2) == ["award", "award"]

    with frozen_at(kyiv(2027, 1, 14, 23, 59, 59)):
        assert outcomes(manager, card, lottery, 1) == ["nothing"]
        assert lottery_odds(lottery=lottery)[0]["capped"] == "daily"

    # Kyiv midnight is 22:00 UTC: the same seed period, a new day for the cap.
    with frozen_at(kyiv(2027, 1, 15, 0, 0)):
        assert lottery_odds(lottery=lottery)[0]["capped"] is None
        assert lottery_odds(lottery=lottery)[0]["remaining_today"] == 2
        assert outcomes(manager, card, lottery, 3) == ["award", "award", "nothing"]

    # The draws recorded what was in force when they were made.
    capped = [d.snapshot["variants"][0]["capped"] for d in lottery.draws.order_by("created_at", "sequence")]
    assert capped == [None, None, "daily", None, None, "daily"]


def test_a_capped_extra_try_gives_nothing(manager, card):
    lottery = make_lottery(manager.actor(), [variant("extra_try", 1_000_000, total_cap=1)])

    first_spin = spin(manager.actor(), card, lottery)
    second_spin = spin(manager.actor(), card, lottery)

    # The first extra try is given; its retry rolls extra try again, which is capped (and a retry) -> nothing.
    assert [d.outcome for d in first_spin] == ["extra_try", "nothing"]
    assert [d.outcome for d in second_spin] == ["nothing"]
