"""The lottery API: shapes, the §5 error shape, roles, idempotency, and 404 for another merchant's objects."""

from datetime import timedelta

import pytest

from stampcard.core import clock
from stampcard.core.clock import frozen_at
from stampcard.lottery.models import Lottery, LotteryDraw
from tests.api.helpers import API, error_of, get, post
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, make_lottery, spin, variant

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Wheel of fortune",
    "draw_at": "customer",
    "variants": [
        {"kind": "award", "name": "Croissant", "greeting": "Enjoy!", "probability": "12.5", "daily_cap": 5},
        {
            "kind": "voucher",
            "name": "Coffee voucher",
            "probability_ppm": 50_000,
            "voucher": {"title": "Free coffee", "validity": {"months": 2}},
        },
        {"kind": "extra_try", "name": "Again!", "probability": 7.5},
        {"kind": "nothing", "name": "Next time", "probability": 75},
    ],
}


def test_a_manager_creates_a_lottery_and_reads_it_back(manager):
    created = post(manager.client(), "/lotteries", BODY)

    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "name", "is_active", "draw_at", "version", "created_at", "variants", "odds"}
    assert (body["name"], body["draw_at"], body["is_active"]) == ("Wheel of fortune", "customer", True)
    assert [(v["kind"], v["probability_ppm"], v["probability"]) for v in body["variants"]] == [
        ("award", 125_000, "12.5"),
        ("voucher", 50_000, "5"),
        ("extra_try", 75_000, "7.5"),
        ("nothing", 750_000, "75"),
    ]
    assert body["variants"][1]["voucher"] == {"title": "Free coffee", "description": "", "validity": {"months": 2}}
    assert [o["remaining_today"] for o in body["odds"]] == [5, None, None, None]
    assert sum(o["probability_ppm"] for o in body["odds"]) == 1_000_000

    read = get(manager.client(), f"/lotteries/{body['id']}")
    assert read.status_code == 200
    assert {**read.json(), "created_at": None} == {**body, "created_at": None}  # writes render microseconds
    listed = get(manager.client(), "/lotteries").json()["results"]
    assert [lot["id"] for lot in listed] == [body["id"]]


def test_probabilities_not_totalling_100_percent_are_a_422_with_a_stable_code(manager):
    body = {**BODY, "variants": [*BODY["variants"][:-1], {"kind": "nothing", "name": "x", "probability": "74.9999"}]}

    error = error_of(post(manager.client(), "/lotteries", body), 422)

    assert error["code"] == "lottery_probabilities_not_100"
    assert error["details"]["total_ppm"] == 999_999
    assert error["details"]["fields"][0]["field"] == "variants"


def test_a_cashier_cannot_create_a_lottery_but_can_read_one(manager, cashier):
    error = error_of(post(cashier.client(), "/lotteries", BODY), 403)
    assert error["code"] == "role_forbidden"

    lottery_id = post(manager.client(), "/lotteries", BODY).json()["id"]
    assert get(cashier.client(), f"/lotteries/{lottery_id}").status_code == 200


def test_a_prize_table_is_frozen_once_drawn(manager, card):
    lottery_id = post(manager.client(), "/lotteries", BODY).json()["id"]
    patch = {"variants": [{"kind": "nothing", "name": "Nope", "probability": 100}]}

    changed = manager.client().patch(f"{API}/lotteries/{lottery_id}", patch, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["version"] == 2

    spin(manager.actor(), card, Lottery.objects.get(pk=lottery_id))
    refused = manager.client().patch(f"{API}/lotteries/{lottery_id}", BODY, content_type="application/json")
    assert error_of(refused, 409)["code"] == "lottery_frozen"


def test_spinning_a_reward_returns_its_draws_and_a_proof_link(cashier, manager, card):
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Cake", greeting="Yum")])
    reward = lottery_reward(card, lottery)

    response = post(cashier.client(), f"/rewards/{reward.pk}/draw")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["reward_id"], body["card"]) == (str(reward.pk), card.number)
    (draw,) = body["draws"]
    assert (draw["outcome"], draw["greeting"], draw["sequence"], draw["retry_of"]) == ("award", "Yum", 1, None)
    assert draw["variant"]["name"] == "Cake" and draw["reward"]["title"] == "Cake"
    assert draw["reward"]["state"] == "ready" and draw["voucher_code"] is None
    assert draw["proof_url"] == f"{API}/lottery/draws/{draw['id']}/proof"

    again = post(cashier.client(), f"/rewards/{reward.pk}/draw")
    assert error_of(again, 409)["code"] == "lottery_reward_not_ready"


def test_a_prize_that_ran_out_is_announced_as_such(cashier, manager, card):
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Cake", total_cap=1)])
    spin(manager.actor(), card, lottery)

    body = post(cashier.client(), f"/rewards/{lottery_reward(card, lottery).pk}/draw").json()

    (draw,) = body["draws"]
    assert (draw["variant"]["name"], draw["outcome"], draw["reward"]) == ("Cake", "nothing", None)
    assert "run out" in draw["greeting"]


def test_a_spin_replayed_with_its_idempotency_key_draws_once(cashier, manager, card):
    lottery = make_lottery(manager.actor(), [variant("award", 500_000), variant("nothing", 500_000)])
    reward = lottery_reward(card, lottery)

    first = post(cashier.client(), f"/rewards/{reward.pk}/draw", **{"Idempotency-Key": "spin-1"})
    replay = post(cashier.client(), f"/rewards/{reward.pk}/draw", **{"Idempotency-Key": "spin-1"})

    assert first.status_code == replay.status_code == 200
    assert replay.content == first.content and replay["Idempotent-Replayed"] == "true"
    assert LotteryDraw.objects.count() == 1


def test_commitments_and_proof_shapes(cashier, manager, card):
    lottery = make_lottery(manager.actor(), [variant("nothing", 1_000_000)])
    (draw,) = spin(manager.actor(), card, lottery)

    commitments = get(cashier.client(), f"/lotteries/{lottery.pk}/commitments").json()
    proof = get(cashier.client(), f"/lottery/draws/{draw.pk}/proof").json()

    assert commitments["lottery_id"] == str(lottery.pk)
    today, tomorrow = commitments["commitments"][1], commitments["commitments"][0]
    assert (today["seed"], today["revealed"], today["draws"]) == (None, False, 1)
    assert tomorrow["seed"] is None and tomorrow["period"] > today["period"]
    assert set(proof) >= {"commitment", "inputs", "seed", "reveals_at", "roll", "outcome", "verified", "variant"}
    assert (proof["commitment"], proof["seed"], proof["verified"]) == (today["commitment"], None, None)
    assert proof["reveals_at"] == today["reveals_at"]
    with frozen_at(clock.now() + timedelta(days=1)):
        assert get(cashier.client(), f"/lottery/draws/{draw.pk}/proof").json()["verified"] is True


def test_another_merchants_lotteries_draws_and_rewards_are_not_found(cashier, manager, card):
    other = make_staff(MerchantFactory(), "manager")
    lottery = make_lottery(other.actor(), [variant("nothing", 1_000_000)])
    other_card = CardFactory(program=ProgramFactory(merchant=other.merchant))
    (draw,) = spin(other.actor(), other_card, lottery)
    reward = lottery_reward(other_card, lottery)
    client = cashier.client()

    for response in (
        get(client, f"/lotteries/{lottery.pk}"),
        get(client, f"/lotteries/{lottery.pk}/commitments"),
        get(client, f"/lottery/draws/{draw.pk}/proof"),
        post(client, f"/rewards/{reward.pk}/draw"),
        manager.client().patch(f"{API}/lotteries/{lottery.pk}", {"name": "x"}, content_type="application/json"),
        get(client, "/lotteries/not-a-uuid"),
        get(client, "/lottery/draws/not-a-uuid/proof"),
    ):
        assert error_of(response, 404)["code"].endswith("not_found")
    assert get(client, "/lotteries").json() == {"results": []}
    assert reward.state == "ready" and LotteryDraw.objects.count() == 1


def test_listing_lotteries_costs_the_same_queries_for_one_or_many(manager, django_assert_num_queries):
    make_lottery(manager.actor(), [variant("award", 500_000, daily_cap=1), variant("nothing", 500_000)])
    client = manager.client()
    get(client, "/lotteries")  # warm the key's last-use stamp

    with django_assert_num_queries(3) as one:  # lotteries, their variants, wins today (the key is remembered)
        assert len(get(client, "/lotteries").json()["results"]) == 1
    for _ in range(3):
        make_lottery(manager.actor(), [variant("award", 500_000, total_cap=2), variant("nothing", 500_000)])
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(get(client, "/lotteries").json()["results"]) == 4
