"""Setting a lottery up: exact probabilities, prize terms, who may do it, and a prize table frozen once drawn."""

from datetime import timedelta

import pytest

from stampcard.core import clock
from stampcard.core.errors import ApplicationError
from stampcard.lottery import services
from stampcard.lottery.models import LotterySeed, LotteryVariant
from stampcard.lottery.seeds import period_of
from tests.lottery.helpers import make_lottery, spin, variant

pytestmark = pytest.mark.django_db


def test_a_table_totalling_exactly_100_percent_is_stored_exactly(manager):
    lottery = make_lottery(
        manager.actor(),
        [
            {"kind": "award", "name": "Croissant", "probability": "33.3333", "greeting": "Enjoy!"},
            {"kind": "extra_try", "name": "Again", "probability": 33.3333},
            {"kind": "nothing", "name": "Next time", "probability_ppm": 333334},
        ],
    )

    rows = list(lottery.variants.values_list("position", "kind", "probability_ppm"))
    assert rows == [(0, "award", 333333), (1, "extra_try", 333333), (2, "nothing", 333334)]
    assert lottery.draw_at == "checkout" and lottery.is_active and lottery.version == 1


@pytest.mark.parametrize(
    "ppms",
    [[500000, 499999], [500000, 500001], [0, 0], [999999]],
    ids=["one-ppm-short", "one-ppm-over", "zero", "single-short"],
)
def test_a_table_not_totalling_exactly_100_percent_is_refused(manager, ppms):
    variants = [variant("award" if i == 0 else "nothing", p) for i, p in enumerate(ppms)]

    with pytest.raises(ApplicationError) as refused:
        make_lottery(manager.actor(), variants)

    assert (refused.value.status, refused.value.code) == (422, "lottery_probabilities_not_100")
    assert refused.value.details["total_ppm"] == sum(ppms)
    assert not LotteryVariant.objects.exists()


def test_percentages_that_do_not_add_up_in_floating_point_are_summed_exactly(manager):
    # 0.1 + 0.2 + 99.7 is not 100.0 in binary floating point; as parts per million it is.
    lottery = make_lottery(
        manager.actor(),
        [
            {"kind": "award", "name": "A", "probability": 0.1},
            {"kind": "award", "name": "B", "probability": 0.2},
            {"kind": "nothing", "name": "C", "probability": 99.7},
        ],
    )
    assert sum(lottery.variants.values_list("probability_ppm", flat=True)) == 1_000_000


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"kind": "jackpot"}, "variants.0.kind"),
        ({"name": " "}, "variants.0.name"),
        ({"probability_ppm": None, "probability": "12.34567"}, "variants.0.probability"),
        ({"probability_ppm": -1}, "variants.0.probability"),
        ({"probability_ppm": True}, "variants.0.probability_ppm"),
        ({"daily_cap": 0}, "variants.0.daily_cap"),
        ({"kind": "nothing", "total_cap": 3}, "variants.0.total_cap"),
        ({"voucher": {"title": "x"}}, "variants.0.voucher"),
        ({"kind": "voucher", "voucher": {"validity": {"weeks": 2}}}, "variants.0.voucher.validity"),
        ({"kind": "voucher", "voucher": {"benefit": {"kind": "percent", "value": 0}}}, "variants.0.voucher.benefit"),
    ],
)
def test_an_invalid_prize_is_refused_naming_its_field(manager, bad, field):
    first = {**variant("award", 500000), **bad}

    with pytest.raises(ApplicationError) as refused:
        make_lottery(manager.actor(), [first, variant("nothing", 500000)])

    assert (refused.value.status, refused.value.code) == (422, "lottery_invalid")
    assert refused.value.details["fields"][0]["field"] == field


def test_voucher_terms_are_kept_normalised(manager):
    lottery = make_lottery(
        manager.actor(),
        [
            variant("voucher", 500_000, "Coffee voucher", voucher={"description": "Any", "validity": {"days": 30}}),
            variant("voucher", 500_000, "20% off", voucher={"benefit": {"kind": "percent", "value": 20}}),
        ],
    )
    gift, percent = lottery.variants.order_by("position")
    assert gift.voucher == {"title": "Coffee voucher", "description": "Any", "validity": {"days": 30}}
    assert percent.voucher == {
        "title": "20% off",
        "description": "",
        "validity": None,
        "benefit": {"kind": "percent", "value": 20},
    }


def test_a_cashier_cannot_create_a_lottery(cashier):
    with pytest.raises(ApplicationError) as refused:
        make_lottery(cashier.actor(), [variant("nothing", 1_000_000)])
    assert refused.value.status == 403


def test_creating_a_lottery_publishes_todays_and_tomorrows_commitments(manager):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])

    today = period_of(clock.now())
    periods = sorted(LotterySeed.objects.filter(lottery=lottery).values_list("period", flat=True))
    assert periods == [today, today + timedelta(days=1)]


def test_the_prize_table_can_change_until_the_first_draw_and_is_frozen_after(manager, card):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])

    lottery = services.lottery_update(
        actor=manager.actor(), lottery_id=lottery.pk, variants=[variant("award", 1_000_000, "Cake")]
    )
    assert lottery.version == 2 and list(lottery.variants.values_list("name", flat=True)) == ["Cake"]

    spin(manager.actor(), card, lottery)
    with pytest.raises(ApplicationError) as refused:
        services.lottery_update(actor=manager.actor(), lottery_id=lottery.pk, variants=[variant("nothing", 1_000_000)])
    assert (refused.value.status, refused.value.code) == (409, "lottery_frozen")

    renamed = services.lottery_update(actor=manager.actor(), lottery_id=lottery.pk, name="Big wheel", is_active=False)
    assert (renamed.name, renamed.is_active, renamed.version) == ("Big wheel", False, 2)
