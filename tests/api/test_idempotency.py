"""Idempotency-Key on every POS write: a retry gets the first answer back, byte for byte."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from stampcard.api.models import IdempotencyRecord
from stampcard.cards.models import CardEvent, Check
from stampcard.core.clock import frozen_at
from stampcard.customers.models import Customer
from stampcard.merchants import services as merchants_services
from stampcard.merchants.metering import current_period
from stampcard.merchants.models import BillingInterval, Plan, Role, UsageCounter
from stampcard.pos import api as loyalty_api
from tests.api.helpers import checkout_body, error_of, post
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def with_key(staff, path, body=None, key="k-1"):
    return post(staff.client(), path, body, **{KEY: key})


def test_a_replayed_checkout_returns_the_first_response_byte_for_byte_and_says_so(cashier, card):
    body = checkout_body(card)
    first = with_key(cashier, "/checkouts", body)

    again = with_key(cashier, "/checkouts", body)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again[REPLAYED] == "true" and not first.has_header(REPLAYED)
    assert again.json()["replayed"] is False  # the first answer, not a fresh "already committed" one
    assert reload(card).stamps == 1 and CardEvent.objects.count() == 1


def test_a_replayed_enrolment_returns_201_and_creates_no_second_customer(cashier, program):
    first = with_key(cashier, "/customers", {"name": "Olena"})

    again = with_key(cashier, "/customers", {"name": "Olena"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again[REPLAYED] == "true"
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("endpoint", ["reverse", "hand-over", "adjustment"])
def test_every_write_endpoint_replays(manager, merchant, endpoint):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))
    reward_id = post(manager.client(), "/checkouts", checkout_body(card, external_id="P-1")).json()["rewards"][0]["id"]
    path, body = {
        "reverse": ("/checkouts/P-1/reverse", {"kind": "refund"}),
        "hand-over": (f"/rewards/{reward_id}/hand-over", None),
        "adjustment": (f"/cards/{card.number}/adjustments", {"delta": 1, "reason": "Goodwill"}),
    }[endpoint]
    events = CardEvent.objects.count()

    first = with_key(manager, path, body)
    again = with_key(manager, path, body)

    assert first.status_code == 200, first.content
    assert again.status_code == 200 and again.content == first.content and again[REPLAYED] == "true"
    assert CardEvent.objects.count() > events
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_with_a_different_body_is_409_and_writes_nothing(cashier, card):
    with_key(cashier, "/checkouts", checkout_body(card, external_id="P-1"))

    response = with_key(cashier, "/checkouts", checkout_body(card, external_id="P-2"))

    assert error_of(response, 409)["code"] == "idempotency_key_reused"
    assert not Check.objects.filter(external_id="P-2").exists()
    assert reload(card).stamps == 1


def test_the_same_key_on_another_endpoint_is_409(cashier, card):
    with_key(cashier, "/checkouts", checkout_body(card, external_id="P-1"))

    response = with_key(cashier, "/checkouts/P-1/reverse")

    assert error_of(response, 409)["code"] == "idempotency_key_reused"
    assert reload(card).stamps == 1


def test_the_same_body_with_its_keys_in_another_order_or_spacing_is_the_same_request(cashier, card):
    body = checkout_body(card)
    first = with_key(cashier, "/checkouts", body)

    reordered = cashier.client().post(
        "/api/v1/checkouts",
        data=json.dumps(dict(reversed(list(body.items()))), indent=4),
        content_type="application/json",
        headers={KEY: "k-1"},
    )

    assert reordered.content == first.content and reordered[REPLAYED] == "true"


def test_a_4xx_refusal_is_replayed_too_even_when_a_retry_would_now_succeed(cashier, program):
    body = checkout_body("123456")
    refused = with_key(cashier, "/checkouts", body)
    assert error_of(refused, 404)["code"] == "card_not_found"
    CardFactory(program=program, number="123456")

    again = with_key(cashier, "/checkouts", body)

    assert again.status_code == 404 and again.content == refused.content and again[REPLAYED] == "true"
    assert not Check.objects.exists()


def test_a_409_refusal_is_replayed(cashier, program):
    post(cashier.client(), "/customers", {"name": "Olena", "email": "olena@example.com"})
    body = {"name": "Olena K", "email": "olena@example.com"}
    refused = with_key(cashier, "/customers", body)
    CardEvent.objects.all().delete()  # the ledger protects a card: its "card issued" line goes first
    Customer.objects.all().delete()

    again = with_key(cashier, "/customers", body)

    assert error_of(again, 409)["code"] == "customer_exists" and again.content == refused.content
    assert again[REPLAYED] == "true" and not Customer.objects.exists()


def test_a_refusal_rolls_back_what_the_view_wrote_before_refusing(cashier, merchant):
    # The commit writes the check and the stamp, then metering refuses: the key's record holds no half-write.
    card = CardFactory(program=ProgramFactory(merchant=merchant))
    UsageCounter.objects.create(merchant=merchant, period=current_period(merchant=merchant), operations=100)

    response = with_key(cashier, "/checkouts", checkout_body(card))

    assert error_of(response, 429)["code"] == "plan_limit_reached"
    assert not Check.objects.exists() and not CardEvent.objects.exists()


def test_a_429_plan_limit_is_not_recorded_so_a_retry_after_upgrading_succeeds(cashier, card, merchant):
    UsageCounter.objects.create(merchant=merchant, period=current_period(merchant=merchant), operations=100)
    body = checkout_body(card)
    assert error_of(with_key(cashier, "/checkouts", body), 429)["code"] == "plan_limit_reached"
    assert not IdempotencyRecord.objects.exists()

    merchants_services.subscription_change(
        merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=1
    )
    retry = with_key(cashier, "/checkouts", body)

    assert retry.status_code == 200 and not retry.has_header(REPLAYED)
    assert retry.json()["stamps_issued"] == 1 and reload(card).stamps == 1
    assert IdempotencyRecord.objects.get().status_code == 200


def test_a_422_validation_error_is_not_recorded(cashier, card):
    bad = {"card": card.number, "check": {"external_id": "P-1", "total": -5, "currency": "UAH"}}
    assert error_of(with_key(cashier, "/checkouts", bad), 422)["code"] == "validation_error"

    fixed = with_key(cashier, "/checkouts", checkout_body(card, external_id="P-1"))

    assert fixed.status_code == 200 and reload(card).stamps == 1


def test_writes_without_a_key_are_not_recorded(cashier, card):
    post(cashier.client(), "/checkouts", checkout_body(card))

    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_an_empty_or_overlong_key_is_400(cashier, card, key):
    body = error_of(with_key(cashier, "/checkouts", checkout_body(card), key=key), 400)

    assert body["code"] == "invalid_idempotency_key"
    assert not Check.objects.exists()


def test_a_key_of_255_characters_is_fine(cashier, card):
    assert with_key(cashier, "/checkouts", checkout_body(card), key="k" * 255).status_code == 200


def test_keys_are_scoped_to_the_api_key_that_sent_them(cashier, merchant, program):
    colleague = make_staff(merchant, Role.CASHIER)
    first = with_key(cashier, "/customers", {"name": "Olena"}, key="enrol-1")

    second = with_key(colleague, "/customers", {"name": "Petro"}, key="enrol-1")

    assert first.status_code == second.status_code == 201
    assert not second.has_header(REPLAYED)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Olena", "Petro"]


def test_another_merchants_key_never_sees_a_response_recorded_under_the_same_key(cashier, program):
    stranger = make_staff(MerchantFactory(), Role.CASHIER)
    ProgramFactory(merchant=stranger.merchant)
    mine = with_key(cashier, "/customers", {"name": "Olena"}, key="enrol-1")

    theirs = with_key(stranger, "/customers", {"name": "Olena"}, key="enrol-1")

    assert theirs.status_code == 201 and not theirs.has_header(REPLAYED)
    assert theirs.json()["customer"]["id"] != mine.json()["customer"]["id"]


def test_a_key_is_forgotten_after_its_ttl(cashier, program, settings):
    with_key(cashier, "/customers", {"name": "Olena"})
    later = timezone.now() + timedelta(hours=settings.STAMPCARD["IDEMPOTENCY_TTL_HOURS"], minutes=1)

    with frozen_at(later):
        reused = with_key(cashier, "/customers", {"name": "Petro"})

    assert reused.status_code == 201 and not reused.has_header(REPLAYED)
    assert Customer.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_a_key_is_remembered_within_its_ttl(cashier, program, settings):
    with_key(cashier, "/customers", {"name": "Olena"})
    later = timezone.now() + timedelta(hours=settings.STAMPCARD["IDEMPOTENCY_TTL_HOURS"], minutes=-1)

    with frozen_at(later):
        reused = with_key(cashier, "/customers", {"name": "Petro"})

    assert error_of(reused, 409)["code"] == "idempotency_key_reused"
    assert Customer.objects.count() == 1


def test_reads_ignore_the_header(cashier, card):
    response = cashier.client().get(f"/api/v1/cards/{card.number}", headers={KEY: "k-1"})

    assert response.status_code == 200 and not response.has_header(REPLAYED)
    assert not IdempotencyRecord.objects.exists()


def test_a_5xx_is_not_recorded_so_the_retry_really_runs_again(cashier, card, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    body = checkout_body(card)
    with monkeypatch.context() as patch:
        patch.setattr(loyalty_api.checkouts_services, "checkout_commit", broken)
        failed = with_key(cashier, "/checkouts", body)
    retry = with_key(cashier, "/checkouts", body)

    assert error_of(failed, 500)["code"] == "internal_error"
    assert "database" not in failed.content.decode()  # internals stay in the log
    assert retry.status_code == 200 and not retry.has_header(REPLAYED)
    assert reload(card).stamps == 1
