"""A voucher claimed from its page makes a customer who reads the page's language; a voucher in a card speaks its
customer's language."""

import pytest
from django.test import Client

from stampcard.cards.models import Card
from stampcard.vouchers.services import Validity
from tests.conftest import reload
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(now, manager_actor, program):
    return issue(manager_actor, title="Free croissant", validity=Validity(days=14))


def test_a_voucher_claimed_in_ukrainian_makes_a_ukrainian_customer_whose_voucher_page_stays_ukrainian(bearer):
    page = f"/v/{bearer.public_token}"

    response = Client(headers={"Accept-Language": "uk"}).post(page, {"name": "Олена"})

    card = Card.objects.select_related("customer").get(pk=reload(bearer).card_id)
    assert response.status_code == 302 and card.customer.language == "uk"
    shown = Client(headers={"Accept-Language": "en"}).get(response["Location"])
    assert shown["Content-Language"] == "uk" and '<html lang="uk">' in shown.content.decode()


def test_a_free_standing_voucher_page_follows_the_browser(bearer):
    shown = Client(headers={"Accept-Language": "uk"}).get(f"/v/{bearer.public_token}")

    assert shown["Content-Language"] == "uk"
