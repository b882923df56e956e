"""Checkouts over the API: preview, commit, reverse; rewards handed over; manual adjustments; the merchant."""

import pytest

from stampcard.cards.models import CardEvent, Check, CheckState, EarningRule, EventKind
from stampcard.merchants.models import UsageCounter
from stampcard.rewards.models import Reward, RewardState
from tests.api.helpers import checkout_body, error_of, get, post
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory


@pytest.fixture
def program(merchant):
    return ProgramFactory(merchant=merchant, goal=3, reward_title="Free coffee", reward_description="Any size")


def commit(staff, card, **kwargs):
    response = post(staff.client(), "/checkouts", checkout_body(card, **kwargs))
    assert response.status_code == 200, response.content
    return response.json()


def written() -> tuple[int, int, int, int]:
    return (
        Check.objects.count(),
        CardEvent.objects.count(),
        Reward.objects.count(),
        sum(UsageCounter.objects.values_list("operations", flat=True)),
    )


# -- preview -------------------------------------------------------------------------------------------------------


def test_a_preview_shows_the_stamps_to_issue_and_the_card_before(cashier, card):
    commit(cashier, card)

    response = post(cashier.client(), "/checkouts/preview", checkout_body(card, external_id="P-NEXT"))

    assert response.status_code == 200
    body = response.json()
    assert body["stamps_to_issue"] == 1 and body["rewards"] == [] and body["already_committed"] is False
    assert body["card"]["number"] == card.number and body["card"]["stamps"] == 1


def test_a_preview_lists_the_rewards_the_check_would_reach(cashier, card):
    commit(cashier, card)
    commit(cashier, card)

    body = post(cashier.client(), "/checkouts/preview", checkout_body(card)).json()

    assert body["stamps_to_issue"] == 1
    assert body["rewards"] == [{"kind": "award", "title": "Free coffee", "description": "Any size"}]


def test_a_preview_follows_the_earning_rule(cashier, merchant):
    card = CardFactory(
        program=ProgramFactory(
            merchant=merchant, goal=2, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000, reward_title="Cake"
        )
    )

    body = post(cashier.client(), "/checkouts/preview", checkout_body(card, total=25000)).json()

    assert body["stamps_to_issue"] == 5
    assert [r["title"] for r in body["rewards"]] == ["Cake", "Cake"]


def test_a_preview_writes_nothing(cashier, card):
    commit(cashier, card)
    before = written()

    post(cashier.client(), "/checkouts/preview", checkout_body(card, external_id="P-NEW"))
    post(cashier.client(), "/checkouts/preview", checkout_body(card, external_id="P-NEW"))

    assert written() == before
    assert reload(card).stamps == 1
    assert not Check.objects.filter(external_id="P-NEW").exists()


def test_a_preview_of_a_committed_check_says_so_and_offers_nothing(cashier, card):
    commit(cashier, card, external_id="P-1")

    body = post(cashier.client(), "/checkouts/preview", checkout_body(card, external_id="P-1")).json()

    assert (body["stamps_to_issue"], body["rewards"], body["already_committed"]) == (0, [], True)


def test_a_preview_names_the_card_by_qr_payload_too(cashier, card):
    body = post(cashier.client(), "/checkouts/preview", checkout_body(card.qr_payload)).json()

    assert body["card"]["number"] == card.number


# -- commit --------------------------------------------------------------------------------------------------------


def test_committing_a_check_issues_its_stamps_and_returns_the_card_after(cashier, card):
    body = commit(cashier, card, external_id="P-10492", total=12550)

    assert body["stamps_issued"] == 1 and body["replayed"] is False and body["rewards"] == []
    assert body["card"]["stamps"] == 1 and body["card"]["lifetime_stamps"] == 1
    check = Check.objects.get(external_id="P-10492")
    assert (check.card, check.total, check.currency, check.pos, check.state) == (
        card,
        12550,
        "UAH",
        "api",
        CheckState.COMMITTED,
    )
    assert reload(card).stamps == 1


def test_committing_the_same_check_again_replays_it_and_adds_nothing(cashier, card):
    first = commit(cashier, card, external_id="P-1")

    again = commit(cashier, card, external_id="P-1")

    assert again["replayed"] is True
    assert again["stamps_issued"] == first["stamps_issued"] == 1
    assert again["card"]["stamps"] == 1
    assert Check.objects.count() == 1 and CardEvent.objects.count() == 1
    assert reload(card).stamps == 1


def test_reaching_the_goal_returns_the_reward_and_shows_it_ready_on_the_card(cashier, card):
    commit(cashier, card)
    commit(cashier, card)

    body = commit(cashier, card, external_id="P-3")

    [reward] = body["rewards"]
    assert (reward["kind"], reward["state"], reward["title"]) == ("award", "ready", "Free coffee")
    assert reward["handed_over_at"] is None
    assert body["card"]["stamps"] == 0
    assert [r["id"] for r in body["card"]["rewards_ready"]] == [reward["id"]]
    assert Reward.objects.get(pk=reward["id"]).check_ref == Check.objects.get(external_id="P-3")


def test_a_replayed_commit_returns_the_rewards_it_reached(cashier, card):
    commit(cashier, card)
    commit(cashier, card)
    first = commit(cashier, card, external_id="P-3")

    again = commit(cashier, card, external_id="P-3")

    assert [r["id"] for r in again["rewards"]] == [r["id"] for r in first["rewards"]]
    assert Reward.objects.count() == 1


def test_a_check_committed_to_one_card_is_409_for_another(cashier, card, program):
    other = CardFactory(program=program)
    commit(cashier, card, external_id="P-1")

    body = error_of(post(cashier.client(), "/checkouts", checkout_body(other, external_id="P-1")), 409)

    assert body["code"] == "check_belongs_to_another_card" and body["details"] == {"external_id": "P-1"}
    assert reload(other).stamps == 0


def test_a_check_in_another_currency_is_422(cashier, card):
    body = error_of(post(cashier.client(), "/checkouts", checkout_body(card, currency="EUR")), 422)

    assert body["code"] == "currency_mismatch" and body["details"] == {"expected": "UAH", "got": "EUR"}
    assert not Check.objects.exists()


def test_the_currency_is_compared_case_insensitively(cashier, card):
    assert commit(cashier, card, currency="uah")["stamps_issued"] == 1


def test_an_unknown_card_is_404(cashier, card):
    body = error_of(post(cashier.client(), "/checkouts", checkout_body("000000")), 404)

    assert body["code"] == "card_not_found"
    assert not Check.objects.exists()


@pytest.mark.parametrize(
    ("check", "field"),
    [
        ({"external_id": "", "total": 100, "currency": "UAH"}, "check.external_id"),
        ({"external_id": "x" * 65, "total": 100, "currency": "UAH"}, "check.external_id"),
        ({"external_id": "P-1", "total": -1, "currency": "UAH"}, "check.total"),
        ({"external_id": "P-1", "total": "lots", "currency": "UAH"}, "check.total"),
        ({"external_id": "P-1", "total": 100, "currency": "HRYVNIA"}, "check.currency"),
        ({"external_id": "P-1", "total": 100}, "check.currency"),
        ({"external_id": "P-1", "total": 100, "currency": "UAH", "closed_at": "yesterday"}, "check.closed_at"),
    ],
)
@pytest.mark.parametrize("path", ["/checkouts", "/checkouts/preview"])
def test_a_check_that_does_not_fit_the_schema_is_422_validation_error(cashier, card, path, check, field):
    body = error_of(post(cashier.client(), path, {"card": card.number, "check": check}), 422)

    assert body["code"] == "validation_error"
    assert [f["field"] for f in body["details"]["fields"]] == [field]
    assert not Check.objects.exists()


def test_a_body_that_is_not_json_is_400(cashier):
    response = cashier.client().post("/api/v1/checkouts", data="{not json", content_type="application/json")

    assert error_of(response, 400)["code"] == "bad_request"


# -- reverse -------------------------------------------------------------------------------------------------------


def test_reversing_a_check_takes_its_stamps_back(cashier, card):
    commit(cashier, card, external_id="P-1")
    commit(cashier, card, external_id="P-2")

    response = post(cashier.client(), "/checkouts/P-1/reverse", {"kind": "void"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stamps_reversed"], body["stamps_not_reversed"], body["replayed"]) == (1, 0, False)
    assert body["card"]["stamps"] == 1
    check = Check.objects.get(external_id="P-1")
    assert (check.state, check.reversal_kind, check.stamps_reversed) == (CheckState.REVERSED, "void", 1)
    assert CardEvent.objects.filter(kind=EventKind.REVERSAL).get().delta == -1


def test_a_reversal_needs_no_body(cashier, card):
    commit(cashier, card, external_id="P-1")

    response = cashier.client().generic("POST", "/api/v1/checkouts/P-1/reverse")  # no body, no content type
    bare = cashier.client().post("/api/v1/checkouts/P-1/reverse", data="", content_type="application/json")

    assert response.status_code == 200, response.content
    assert bare.status_code == 200 and bare.json()["replayed"] is True
    assert Check.objects.get(external_id="P-1").reversal_kind == "refund"


def test_reversing_twice_replays_the_first_reversal(cashier, card):
    commit(cashier, card, external_id="P-1")
    post(cashier.client(), "/checkouts/P-1/reverse")

    body = post(cashier.client(), "/checkouts/P-1/reverse").json()

    assert (body["stamps_reversed"], body["replayed"]) == (1, True)
    assert reload(card).stamps == 0
    assert CardEvent.objects.filter(kind=EventKind.REVERSAL).count() == 1


def test_reversing_a_check_that_reached_a_reward_withdraws_it(cashier, card):
    for n in range(3):
        commit(cashier, card, external_id=f"P-{n}")

    body = post(cashier.client(), "/checkouts/P-2/reverse").json()

    assert [r["state"] for r in body["rewards_withdrawn"]] == ["withdrawn"]
    assert body["stamps_reversed"] == 1 and body["card"]["stamps"] == 2 and body["card"]["rewards_ready"] == []


def test_a_reversal_names_the_pos_of_the_check(cashier, card):
    body = checkout_body(card, external_id="P-1")
    body["check"]["pos"] = "poster"
    assert post(cashier.client(), "/checkouts", body).status_code == 200

    assert error_of(post(cashier.client(), "/checkouts/P-1/reverse"), 404)["code"] == "check_not_found"
    assert post(cashier.client(), "/checkouts/P-1/reverse", {"pos": "poster"}).json()["stamps_reversed"] == 1


def test_reversing_an_unknown_check_is_404(cashier):
    body = error_of(post(cashier.client(), "/checkouts/P-404/reverse"), 404)

    assert body["code"] == "check_not_found" and body["details"] == {"external_id": "P-404"}


def test_a_reversal_of_an_unknown_kind_is_422(cashier, card):
    commit(cashier, card, external_id="P-1")

    body = error_of(post(cashier.client(), "/checkouts/P-1/reverse", {"kind": "chargeback"}), 422)

    assert body["code"] == "validation_error" and body["details"]["fields"][0]["field"] == "kind"
    assert Check.objects.get(external_id="P-1").state == CheckState.COMMITTED


# -- hand-over -----------------------------------------------------------------------------------------------------


@pytest.fixture
def ready_reward_id(cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))
    return commit(cashier, card, external_id="P-R")["rewards"][0]["id"]


def test_handing_over_a_reward_marks_it_and_records_who(cashier, ready_reward_id):
    response = post(cashier.client(), f"/rewards/{ready_reward_id}/hand-over")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == ready_reward_id and body["state"] == "handed_over" and body["handed_over_at"]
    reward = Reward.objects.get(pk=ready_reward_id)
    assert reward.state == RewardState.HANDED_OVER and reward.handed_over_by == cashier.membership.user


def test_a_reward_handed_over_is_no_longer_ready_on_the_card(cashier, ready_reward_id):
    post(cashier.client(), f"/rewards/{ready_reward_id}/hand-over")

    number = Reward.objects.get(pk=ready_reward_id).card.number
    assert get(cashier.client(), f"/cards/{number}").json()["rewards_ready"] == []


def test_handing_over_twice_is_409(cashier, ready_reward_id):
    post(cashier.client(), f"/rewards/{ready_reward_id}/hand-over")

    body = error_of(post(cashier.client(), f"/rewards/{ready_reward_id}/hand-over"), 409)

    assert body["code"] == "reward_already_handed_over"
    assert CardEvent.objects.filter(kind=EventKind.REWARD_HANDED_OVER).count() == 1


def test_a_withdrawn_reward_cannot_be_handed_over(cashier, ready_reward_id):
    post(cashier.client(), "/checkouts/P-R/reverse")

    assert error_of(post(cashier.client(), f"/rewards/{ready_reward_id}/hand-over"), 409)["code"] == "reward_withdrawn"


@pytest.mark.parametrize("reward_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_handing_over_an_unknown_reward_is_404(cashier, reward_id):
    assert error_of(post(cashier.client(), f"/rewards/{reward_id}/hand-over"), 404)["code"] == "reward_not_found"


# -- adjustments ---------------------------------------------------------------------------------------------------


def test_a_manager_adjustment_that_reaches_the_goal_issues_the_reward(manager, card):
    response = post(manager.client(), f"/cards/{card.number}/adjustments", {"delta": 4, "reason": "Paper card"})

    body = response.json()
    assert body["delta"] == 4 and body["card"]["stamps"] == 1 and len(body["rewards"]) == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"delta": 0, "reason": "nothing"}, "invalid_delta"),
        ({"delta": 1001, "reason": "too many"}, "invalid_delta"),
        ({"delta": 1, "reason": "   "}, "reason_required"),
    ],
)
def test_an_adjustment_needs_a_sensible_delta_and_a_reason(manager, card, payload, code):
    body = error_of(post(manager.client(), f"/cards/{card.number}/adjustments", payload), 422)

    assert body["code"] == code
    assert reload(card).stamps == 0


def test_an_adjustment_cannot_take_a_card_below_zero(manager, card):
    body = error_of(post(manager.client(), f"/cards/{card.number}/adjustments", {"delta": -1, "reason": "oops"}), 409)

    assert body["code"] == "insufficient_stamps"


def test_an_adjustment_without_a_reason_field_is_422_validation_error(manager, card):
    body = error_of(post(manager.client(), f"/cards/{card.number}/adjustments", {"delta": 1}), 422)

    assert body["code"] == "validation_error"
    assert [f["field"] for f in body["details"]["fields"]] == ["reason"]


# -- the merchant --------------------------------------------------------------------------------------------------


def test_get_merchant_describes_the_keys_merchant_plan_and_usage(cashier):
    response = get(cashier.client(), "/merchant")

    assert response.status_code == 200
    body = response.json()
    merchant = cashier.merchant
    assert {k: body[k] for k in ("id", "name", "currency", "timezone", "locale")} == {
        "id": str(merchant.pk),
        "name": merchant.name,
        "currency": "UAH",
        "timezone": "Europe/Kyiv",
        "locale": merchant.locale,
    }
    assert body["plan"]["plan"] == "free" and body["usage"]["limit"] == 100


@pytest.mark.parametrize("path", ["/checkouts", "/checkouts/preview", "/customers"])
def test_a_write_without_its_body_is_422_naming_the_body(cashier, path):
    response = cashier.client().post(f"/api/v1{path}", data="", content_type="application/json")

    body = error_of(response, 422)
    assert body["code"] == "validation_error"
    assert body["details"]["fields"] == [{"field": "body", "problem": "Field required"}]
