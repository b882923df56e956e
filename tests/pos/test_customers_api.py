"""POST /api/v1/customers: enrol a customer and issue their card."""

import re

import pytest

from stampcard.cards.models import Card
from stampcard.core.codes import looks_like_card_qr
from stampcard.customers.models import Customer
from tests.api.helpers import error_of, post
from tests.factories import CustomerFactory, ProgramFactory


@pytest.fixture
def program(merchant):
    return ProgramFactory(merchant=merchant, goal=8, reward_title="Free coffee")


def test_enrolling_returns_201_with_the_customer_and_a_new_card(cashier, program):
    response = post(
        cashier.client(),
        "/customers",
        {
            "name": "  Olena   Kovalenko ",
            "email": "Olena@Example.com",
            "phone": "+380 50 123 45 67",
            "birthday": "1991-05-04",
            "consents": {"marketing_email": True},
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["customer"]["id"])
    assert body["customer"] == {
        "id": str(customer.pk),
        "name": "Olena Kovalenko",
        "email": "olena@example.com",
        "phone": "+380501234567",
        "birthday": "1991-05-04",
        "marketing_email_consent": True,
        "language": "uk",  # the merchant's: none was given
        "created_at": body["customer"]["created_at"],
    }
    assert customer.merchant == cashier.merchant and customer.marketing_email_consent_at is not None
    card = body["card"]
    assert re.fullmatch(r"[1-9]\d{5}", card["number"])
    assert looks_like_card_qr(card["qr"])
    assert (card["program_id"], card["stamps"], card["goal"]) == (str(program.pk), 0, 8)
    assert card["rewards_ready"] == [] and card["vouchers"] == []
    assert card["customer"] == {"id": str(customer.pk), "name": "Olena Kovalenko"}
    assert card["urls"]["self"].endswith(f"/api/v1/cards/{card['number']}")
    stored = Card.objects.get(number=card["number"], merchant=cashier.merchant)
    assert (stored.customer, stored.program, stored.qr_payload) == (customer, program, card["qr"])


def test_a_name_alone_is_enough(cashier, program):
    response = post(cashier.client(), "/customers", {"name": "Taras"})

    assert response.status_code == 201
    assert response.json()["customer"]["email"] == "" and response.json()["customer"]["birthday"] is None


def test_each_enrolment_gets_its_own_number_and_qr(cashier, program):
    cards = [post(cashier.client(), "/customers", {"name": f"Guest {n}"}).json()["card"] for n in range(5)]

    assert len({c["number"] for c in cards}) == 5 and len({c["qr"] for c in cards}) == 5


def test_the_program_can_be_named(cashier, program):
    other = ProgramFactory(merchant=cashier.merchant, is_default=False, name="Pastry card", goal=5)

    card = post(cashier.client(), "/customers", {"name": "Olena", "program_id": str(other.pk)}).json()["card"]

    assert (card["program_id"], card["goal"]) == (str(other.pk), 5)


@pytest.mark.parametrize("program_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_program_is_404(cashier, program, program_id):
    body = error_of(post(cashier.client(), "/customers", {"name": "Olena", "program_id": program_id}), 404)

    assert body["code"] == "program_not_found"
    assert not Customer.objects.exists()


def test_a_merchant_without_a_default_program_cannot_enrol_without_naming_one(cashier):
    assert error_of(post(cashier.client(), "/customers", {"name": "Olena"}), 404)["code"] == "program_not_found"
    assert not Customer.objects.exists()


def test_a_duplicate_email_is_409_customer_exists_and_names_the_existing_customer(cashier, program):
    existing = CustomerFactory(merchant=cashier.merchant, email="olena@example.com")

    body = error_of(post(cashier.client(), "/customers", {"name": "Olena", "email": "OLENA@example.com"}), 409)

    assert body["code"] == "customer_exists"
    assert body["details"] == {"customer_id": str(existing.pk)}
    assert Customer.objects.count() == 1 and not Card.objects.exists()


def test_a_duplicate_phone_is_409_customer_exists(cashier, program):
    post(cashier.client(), "/customers", {"name": "Olena", "phone": "+380501234567"})

    body = error_of(post(cashier.client(), "/customers", {"name": "Other", "phone": "+380 (50) 123-45-67"}), 409)

    assert body["code"] == "customer_exists"
    assert Customer.objects.count() == 1 and Card.objects.count() == 1


@pytest.mark.parametrize("email", ["olena", "olena@", "@example.com", "olena@@example.com", "olena example@x.com"])
def test_a_bad_email_is_422(cashier, program, email):
    body = error_of(post(cashier.client(), "/customers", {"name": "Olena", "email": email}), 422)

    assert body["code"] == "invalid_email" and [f["field"] for f in body["details"]["fields"]] == ["email"]
    assert not Customer.objects.exists()


def test_a_bad_phone_is_422(cashier, program):
    body = error_of(post(cashier.client(), "/customers", {"name": "Olena", "phone": "050 123"}), 422)

    assert body["code"] == "invalid_phone" and [f["field"] for f in body["details"]["fields"]] == ["phone"]


def test_a_birthday_in_the_future_is_422(cashier, program):
    body = error_of(post(cashier.client(), "/customers", {"name": "Olena", "birthday": "2999-01-01"}), 422)

    assert body["code"] == "invalid_birthday"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["name"]),
        ({"name": ""}, ["name"]),
        ({"name": "x" * 201}, ["name"]),
        ({"name": "Olena", "birthday": "04.05.1991"}, ["birthday"]),
        ({"name": "Olena", "consents": {"marketing_email": "maybe"}}, ["consents.marketing_email"]),
        ({"name": 42, "birthday": "yesterday"}, ["name", "birthday"]),
    ],
)
def test_a_body_that_does_not_fit_the_schema_is_422_validation_error_naming_the_fields(cashier, program, body, fields):
    error = error_of(post(cashier.client(), "/customers", body), 422)

    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["details"]["fields"]] == fields
    assert all(f["problem"] for f in error["details"]["fields"])
    assert not Customer.objects.exists()


def test_a_name_of_only_spaces_is_refused(cashier, program):
    body = error_of(post(cashier.client(), "/customers", {"name": "   "}), 422)

    assert body["code"] == "name_required"
