"""The API enrols a customer in the language they read, and says which it is."""

import pytest

from stampcard.customers.models import Customer
from tests.api.helpers import error_of, post
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(merchant):
    return ProgramFactory(merchant=merchant)


def test_a_customer_enrolled_in_english_at_a_ukrainian_merchant_reads_english(cashier, program):
    response = post(cashier.client(), "/customers", {"name": "Olena", "language": "en"})

    assert response.status_code == 201, response.content
    assert response.json()["customer"]["language"] == "en"
    assert Customer.objects.get().language == "en" and cashier.merchant.locale == "uk"


def test_an_unsupported_language_is_refused_and_nothing_is_written(cashier, program):
    body = error_of(post(cashier.client(), "/customers", {"name": "Olena", "language": "de"}), 422)

    assert body["code"] == "unsupported_language"
    assert not Customer.objects.exists()
