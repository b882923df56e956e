"""One Idempotency-Key sent from many threads at once: one write, every caller gets the same answer."""

import pytest

from stampcard.api.models import IdempotencyRecord
from stampcard.cards.models import Card, CardEvent, Check
from stampcard.core.testing import run_concurrently
from stampcard.customers.models import Customer
from stampcard.merchants.models import Role
from tests.api.helpers import checkout_body, post
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cashier():
    merchant = MerchantFactory()
    return make_staff(merchant, Role.CASHIER)


@pytest.fixture
def program(cashier):
    return ProgramFactory(merchant=cashier.merchant)


def test_sixteen_concurrent_checkouts_with_one_key_and_body_stamp_once_and_all_get_the_first_answer(cashier, program):
    card = CardFactory(program=program)
    body = checkout_body(card, external_id="P-SAME")

    outcomes = run_concurrently(
        lambda i: post(cashier.client(), "/checkouts", body, **{"Idempotency-Key": "k-1"}), n=16
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    responses = [o.value for o in outcomes]
    assert [r.status_code for r in responses] == [200] * 16, [r.content for r in responses]
    assert len({r.content for r in responses}) == 1
    assert responses[0].json()["stamps_issued"] == 1 and responses[0].json()["replayed"] is False
    assert sum(r.has_header("Idempotent-Replayed") for r in responses) == 15
    card.refresh_from_db()
    assert card.stamps == 1
    assert Check.objects.count() == 1 and CardEvent.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_sixteen_concurrent_enrolments_with_one_key_create_one_customer(cashier, program):
    outcomes = run_concurrently(
        lambda i: post(cashier.client(), "/customers", {"name": "Olena"}, **{"Idempotency-Key": "enrol-1"}), n=16
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    responses = [o.value for o in outcomes]
    assert [r.status_code for r in responses] == [201] * 16, [r.content for r in responses]
    assert len({r.content for r in responses}) == 1
    assert Customer.objects.count() == 1 and Card.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_concurrent_requests_reusing_one_key_for_different_bodies_write_once(cashier, program):
    outcomes = run_concurrently(
        lambda i: post(cashier.client(), "/customers", {"name": f"Guest {i}"}, **{"Idempotency-Key": "enrol-1"}), n=8
    )

    responses = [o.value for o in outcomes]
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"idempotency_key_reused"}
    assert Customer.objects.count() == 1
