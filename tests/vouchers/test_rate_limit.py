"""Guessing codes is limited per API key and per card, in the database (shared by every process)."""

from datetime import timedelta

import pytest

from stampcard.core.clock import frozen_at
from stampcard.core.models import Throttle
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from stampcard.vouchers.codes import random_code
from stampcard.vouchers.errors import VoucherLookupsLimited
from stampcard.vouchers.ratelimit import Scope, Who, lookup_reserve
from tests.api.helpers import error_of, get, post
from tests.conftest import make_staff
from tests.factories import CardFactory
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.STAMPCARD = {
        **settings.STAMPCARD,
        "VOUCHER_LOOKUP_WINDOW_SECONDS": 600,
        "VOUCHER_LOOKUP_FAILURES_PER_KEY": LIMIT,
        "VOUCHER_LOOKUP_FAILURES_PER_CARD": 3,
    }


def guess(client, **body):
    return post(client, f"/vouchers/{random_code()}/redeem", body)


def test_a_key_that_keeps_guessing_is_stopped_with_a_429_and_retry_after(now, cashier):
    client = cashier.client()
    for _ in range(LIMIT):
        assert error_of(guess(client), 404)["code"] == "voucher_not_found"

    refused = guess(client)

    error = error_of(refused, 429)
    assert error["code"] == "voucher_rate_limited" and error["details"]["scope"] == "api_key"
    # T0 is 09:00:00, the start of a 10-minute window: the whole window is left.
    assert refused["Retry-After"] == "600" and error["details"]["retry_after"] == 600


def test_the_limit_holds_for_reads_and_for_mistyped_codes_too(now, cashier, manager_actor):
    client = cashier.client()
    real = issue(manager_actor)
    typo = real.code[:-1] + ("0" if real.code[-1] != "0" else "1")
    for i in range(LIMIT):
        response = get(client, f"/vouchers/{random_code()}") if i % 2 else post(client, f"/vouchers/{typo}/redeem")
        assert response.status_code in (404, 422)

    assert error_of(get(client, f"/vouchers/{real.code}"), 429)["code"] == "voucher_rate_limited"


def test_found_vouchers_cost_nothing_so_a_busy_till_is_never_stopped(now, cashier, manager_actor):
    client = cashier.client()
    for _ in range(3 * LIMIT):
        voucher = issue(manager_actor)
        assert get(client, f"/vouchers/{voucher.code}").status_code == 200
        assert post(client, f"/vouchers/{voucher.code}/redeem").status_code == 200
        assert post(client, f"/vouchers/{voucher.code}/redeem").status_code == 409  # a double scan is no guess

    assert guess(client).status_code == 404


def test_the_limit_is_per_key(now, cashier, merchant):
    for _ in range(LIMIT):
        guess(cashier.client())
    other_till = make_staff(merchant, Role.CASHIER)

    assert guess(cashier.client()).status_code == 429
    assert guess(other_till.client()).status_code == 404


def test_guesses_against_one_card_are_limited_across_keys(now, merchant, program):
    card = CardFactory(program=program)
    tills = [make_staff(merchant, Role.CASHIER) for _ in range(4)]
    for till in tills[:3]:
        assert guess(till.client(), card=card.number).status_code == 404

    refused = guess(tills[3].client(), card=card.qr_payload)  # the same card by its other reference

    assert error_of(refused, 429)["details"]["scope"] == "card"
    assert guess(tills[3].client()).status_code == 404  # that key is fine for other cards


def test_the_window_passes(now, cashier):
    for _ in range(LIMIT):
        guess(cashier.client())
    with frozen_at(now + timedelta(seconds=599)):
        assert guess(cashier.client())["Retry-After"] == "1"
    with frozen_at(now + timedelta(seconds=600)):
        assert guess(cashier.client()).status_code == 404


def test_a_refused_attempt_takes_nothing_from_the_other_scopes(now, cashier):
    key = Scope("api_key", "key:x", 1)
    card = Scope("card", "card:y", 5)
    who = Who(merchant=cashier.merchant, api_key=cashier.api_key)
    lookup_reserve(scopes=[key], who=who)
    with pytest.raises(VoucherLookupsLimited):
        lookup_reserve(scopes=[card, key], who=who)
    assert not Throttle.objects.filter(scope="voucher-lookup:card:y", count__gt=0).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_cannot_overshoot_the_limit(cashier, small_limits):
    outcomes = run_concurrently(lambda i: guess(cashier.client()).status_code, n=16)

    statuses = sorted(o.value for o in outcomes)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert statuses == [404] * LIMIT + [429] * (16 - LIMIT)
