"""The lottery editor: chances that must total exactly 100%, limits per prize, the prize kinds, switching on and off,
and the fairness proof of a draw."""

import json

import pytest

from stampcard.lottery.models import Lottery, LotteryVariant
from stampcard.merchants.models import Role
from tests.conftest import reload
from tests.lottery.helpers import make_lottery, spin, variant
from tests.panel.conftest import signed_in
from tests.panel.rewards.helpers import lottery_post, prize
from tests.panel.rewards.makers import manager_actor

NEW = "/panel/rewards/lotteries/new/"


def test_the_new_lottery_page_starts_with_a_table_that_totals_100(manager_client):
    page = manager_client.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-odds-sum data-testid="odds-sum">100%</output>' in html
    assert "data-variant-template" in html


def test_chances_that_do_not_total_100_are_refused_naming_the_total(manager_client, shop):
    data = lottery_post("Wheel", [prize("award", "10"), prize("nothing", "85.5")])
    response = manager_client.post(NEW, data)
    assert response.status_code == 422
    assert "The chances total 95.5%, not 100%." in response.content.decode()
    assert not Lottery.objects.filter(merchant=shop.merchant).exists()


def test_chances_over_100_are_refused_too(manager_client, shop):
    response = manager_client.post(NEW, lottery_post("Wheel", [prize("award", "50"), prize("nothing", "50.0001")]))
    assert response.status_code == 422
    assert "The chances total 100.0001%, not 100%." in response.content.decode()
    assert not Lottery.objects.filter(merchant=shop.merchant).exists()


def test_decimal_chances_that_total_exactly_100_are_accepted(manager_client, shop):
    data = lottery_post(
        "Thirds", [prize("award", "33.33"), prize("extra_try", "33,33"), prize("nothing", "33.34", name="No luck")]
    )
    response = manager_client.post(NEW, data)
    lottery = Lottery.objects.get(merchant=shop.merchant)
    assert response.status_code == 302
    assert response["Location"] == f"/panel/rewards/lotteries/{lottery.pk}/"
    assert [(v.kind, v.probability_ppm) for v in lottery.variants.all()] == [
        ("award", 333_300),
        ("extra_try", 333_300),
        ("nothing", 333_400),
    ]


def test_more_than_four_decimals_is_refused_under_the_prize(manager_client, shop):
    response = manager_client.post(NEW, lottery_post("Wheel", [prize("award", "0.00001"), prize("nothing", "100")]))
    assert response.status_code == 422
    assert "Use at most 4 decimal places" in response.content.decode()


def test_a_removed_prize_does_not_count_and_a_blank_extra_row_is_ignored(manager_client, shop):
    data = lottery_post(
        "Wheel",
        [prize("award", "40"), prize("voucher", "30", DELETE=True), prize("nothing", "60"), {"kind": "award"}],
    )
    assert manager_client.post(NEW, data).status_code == 302
    lottery = Lottery.objects.get(merchant=shop.merchant)
    assert [v.kind for v in lottery.variants.all()] == ["award", "nothing"]


def test_caps_per_day_and_in_all_are_saved(manager_client, shop):
    data = lottery_post(
        "Wheel", [prize("award", "10", daily_cap=3, total_cap=50), prize("nothing", "90", name="Next time")]
    )
    assert manager_client.post(NEW, data).status_code == 302
    award = LotteryVariant.objects.get(lottery__merchant=shop.merchant, kind="award")
    assert (award.daily_cap, award.total_cap) == (3, 50)


@pytest.mark.parametrize(
    ("caps", "message"),
    [
        ({"daily_cap": 0}, "Ensure this value is greater than or equal to 1."),
        ({"total_cap": "many"}, "Enter a whole number."),
        ({"daily_cap": 10, "total_cap": 5}, "The daily limit is larger than the limit in all"),
    ],
)
def test_bad_caps_are_refused_with_what_to_fix(manager_client, shop, caps, message):
    response = manager_client.post(NEW, lottery_post("Wheel", [prize("award", "10", **caps), prize("nothing", "90")]))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Lottery.objects.filter(merchant=shop.merchant).exists()


def test_nothing_cannot_be_capped(manager_client, shop):
    response = manager_client.post(
        NEW, lottery_post("Wheel", [prize("award", "10"), prize("nothing", "90", daily_cap=2)])
    )
    assert response.status_code == 422
    assert "never runs out" in response.content.decode()


def test_a_voucher_prize_keeps_its_terms(manager_client, shop):
    data = lottery_post(
        "Wheel",
        [
            prize("voucher", "20", name="Free cake", voucher_title="A free cake", voucher_days=14),
            prize("nothing", "80"),
        ],
    )
    assert manager_client.post(NEW, data).status_code == 302
    voucher = LotteryVariant.objects.get(lottery__merchant=shop.merchant, kind="voucher")
    assert voucher.voucher == {"title": "A free cake", "description": "", "validity": {"days": 14}}


def test_editing_replaces_the_prize_table_while_there_are_no_draws(manager_client, shop):
    lottery = make_lottery(manager_actor(shop), [variant("award", 500_000), variant("nothing", 500_000)])
    url = f"/panel/rewards/lotteries/{lottery.pk}/edit/"
    page = manager_client.get(url)
    assert 'data-testid="odds-sum">100%</output>' in page.content.decode()
    data = lottery_post("Renamed", [prize("award", "25"), prize("nothing", "75")])
    assert manager_client.post(url, data).status_code == 302
    lottery = reload(lottery)
    assert lottery.name == "Renamed"
    assert lottery.version == 2
    assert [v.probability_ppm for v in lottery.variants.all()] == [250_000, 750_000]


def test_editing_refuses_odds_not_totalling_100_and_keeps_the_old_table(manager_client, shop):
    lottery = make_lottery(manager_actor(shop), [variant("award", 500_000), variant("nothing", 500_000)])
    url = f"/panel/rewards/lotteries/{lottery.pk}/edit/"
    response = manager_client.post(url, lottery_post("Wheel", [prize("award", "30"), prize("nothing", "30")]))
    assert response.status_code == 422
    assert "The chances total 60%, not 100%." in response.content.decode()
    assert [v.probability_ppm for v in reload(lottery).variants.all()] == [500_000, 500_000]


def test_a_lottery_with_draws_keeps_its_table_and_may_still_be_renamed(manager_client, shop):
    lottery = make_lottery(manager_actor(shop), [variant("award", 500_000), variant("nothing", 500_000)])
    spin(manager_actor(shop), shop.card, lottery)
    url = f"/panel/rewards/lotteries/{lottery.pk}/edit/"
    page = manager_client.get(url)
    assert "its prizes and chances are fixed" in page.content.decode()
    assert manager_client.post(url, {"name": "Spring wheel", "draw_at": "checkout"}).status_code == 302
    assert reload(lottery).name == "Spring wheel"
    assert reload(lottery).version == 1


def test_switching_a_lottery_off_and_on(manager_client, shop):
    lottery = make_lottery(manager_actor(shop), [variant("nothing", 1_000_000)])
    url = f"/panel/rewards/lotteries/{lottery.pk}/active/"
    assert manager_client.post(url, {"active": "0"}).status_code == 302
    assert reload(lottery).is_active is False
    assert "Switched off" in manager_client.get(f"/panel/rewards/lotteries/{lottery.pk}/").content.decode()
    manager_client.post(url, {"active": "1"})
    assert reload(lottery).is_active is True


def test_the_lottery_page_shows_commitments_and_links_each_draw_to_its_proof(manager_client, shop):
    lottery = make_lottery(manager_actor(shop), [variant("award", 1_000_000, name="Cookie")])
    (draw,) = spin(manager_actor(shop), shop.card, lottery)
    page = manager_client.get(f"/panel/rewards/lotteries/{lottery.pk}/").content.decode()
    assert draw.commitment in page
    proof_url = f"/panel/rewards/lotteries/{lottery.pk}/draws/{draw.pk}/proof/"
    assert proof_url in page
    proof = json.loads(manager_client.get(proof_url).content)
    assert proof["draw_id"] == str(draw.pk)
    assert proof["commitment"] == draw.commitment
    assert proof["seed"] is None  # the period is not over: the seed stays secret


def test_a_draw_of_another_lottery_is_not_found_under_this_one(manager_client, shop):
    first = make_lottery(manager_actor(shop), [variant("nothing", 1_000_000)], name="First")
    second = make_lottery(manager_actor(shop), [variant("nothing", 1_000_000)], name="Second")
    (draw,) = spin(manager_actor(shop), shop.card, second)
    assert manager_client.get(f"/panel/rewards/lotteries/{first.pk}/draws/{draw.pk}/proof/").status_code == 404


def test_a_cashier_cannot_open_the_lottery_editor(cashier_client, shop):
    assert cashier_client.get(NEW).status_code == 403
    assert cashier_client.post(NEW, lottery_post("W", [prize("nothing", "100")])).status_code == 403
    assert not Lottery.objects.filter(merchant=shop.merchant).exists()


def test_another_merchants_lottery_is_not_found(manager_client, other_shop):
    lottery = make_lottery(manager_actor(other_shop), [variant("nothing", 1_000_000)])
    assert manager_client.get(f"/panel/rewards/lotteries/{lottery.pk}/edit/").status_code == 404
    assert manager_client.post(f"/panel/rewards/lotteries/{lottery.pk}/active/", {"active": "0"}).status_code == 404
    assert reload(lottery).is_active is True


def test_the_overview_lists_lotteries_to_a_manager(manager_client, shop):
    make_lottery(manager_actor(shop), [variant("nothing", 1_000_000)], name="Lucky wheel")
    page = manager_client.get("/panel/rewards/")
    assert "Lucky wheel" in page.content.decode()


def test_owners_see_the_rewards_overview_and_cashiers_do_not(shop):
    assert signed_in(shop, Role.OWNER).get("/panel/rewards/").status_code == 200
    assert signed_in(shop, Role.CASHIER).get("/panel/rewards/").status_code == 403
