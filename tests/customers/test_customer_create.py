import datetime

import pytest

from stampcard.cards import errors as card_errors
from stampcard.cards import services as cards_services
from stampcard.cards.services import card_create, card_enrol
from stampcard.core.errors import Conflict, NotFound, ValidationFailed
from stampcard.customers.models import Customer
from stampcard.customers.services import customer_create, normalize_phone
from tests.factories import MerchantFactory, ProgramFactory


def test_a_customer_is_stored_with_a_folded_name_and_normalised_contacts(merchant):
    customer = customer_create(
        merchant=merchant,
        name="  Ólena   Kovalenko ",
        email=" Olena@Example.COM ",
        phone="+380 (50) 123-45-67",
        marketing_email_consent=True,
    )

    assert customer.name == "Ólena Kovalenko" and customer.name_folded == "olena kovalenko"
    assert customer.email == "olena@example.com" and customer.phone == "+380501234567"
    assert customer.marketing_email_consent and customer.marketing_email_consent_at is not None


def test_marketing_consent_without_an_email_is_not_recorded(merchant):
    customer = customer_create(merchant=merchant, name="Taras", marketing_email_consent=True)
    assert not customer.marketing_email_consent


@pytest.mark.parametrize("phone", ["0501234567", "+0123", "+38050abc4567", "+1234567890123456"])
def test_phone_numbers_must_be_international(phone):
    with pytest.raises(ValidationFailed) as err:
        normalize_phone(phone)
    assert err.value.code == "invalid_phone"


def test_00_prefix_is_read_as_plus():
    assert normalize_phone("00380501234567") == "+380501234567"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "name_required"),
        ({"name": "A", "email": "not-an-email"}, "invalid_email"),
        ({"name": "A", "birthday": datetime.date(2999, 1, 1)}, "invalid_birthday"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(merchant, fields, code):
    with pytest.raises(ValidationFailed) as err:
        customer_create(merchant=merchant, **fields)
    assert err.value.code == code


def test_an_email_or_phone_is_one_customer_per_merchant_but_free_across_merchants(merchant):
    customer_create(merchant=merchant, name="Olena", email="olena@example.com", phone="+380501234567")
    with pytest.raises(Conflict) as err:
        customer_create(merchant=merchant, name="Olena 2", email="OLENA@example.com")
    assert err.value.code == "customer_exists"
    with pytest.raises(Conflict):
        customer_create(merchant=merchant, name="Olena 3", phone="+380501234567")
    customer_create(merchant=MerchantFactory(), name="Olena", email="olena@example.com")


def test_enrolment_gives_a_card_in_the_default_program(cashier, program):
    card = card_enrol(actor=cashier.actor(), name="Olena")
    assert card.program == program and card.stamps == 0
    assert len(card.number) == 6 and card.qr_payload.startswith("SC1:")


def test_enrolment_into_a_named_program_of_another_merchant_is_not_found(cashier, program):
    foreign = ProgramFactory()
    with pytest.raises(NotFound):
        card_enrol(actor=cashier.actor(), name="Olena", program_id=str(foreign.pk))


def test_a_failed_enrolment_leaves_no_customer_behind(cashier, program, monkeypatch):
    def no_free_number(**kwargs):
        raise RuntimeError("number space full")

    monkeypatch.setattr(cards_services, "card_create", no_free_number)
    with pytest.raises(RuntimeError):
        cards_services.card_enrol(actor=cashier.actor(), name="Olena", email="olena@example.com")
    assert not Customer.objects.filter(merchant=program.merchant).exists()


def test_one_card_per_customer_and_program(cashier, program):
    card = card_enrol(actor=cashier.actor(), name="Olena")
    with pytest.raises(card_errors.CardAlreadyEnrolled):
        card_create(customer=card.customer, program=program)
