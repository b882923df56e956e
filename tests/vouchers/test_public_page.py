"""The bearer voucher's public page: seen before having a card, and claimed into a new card in the same visit."""

from datetime import timedelta

import pytest
from django.test import Client

from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.core.clock import frozen_at
from stampcard.customers.models import Customer
from stampcard.vouchers import services
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.services import Validity
from tests.api.helpers import get
from tests.conftest import reload
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(now, manager_actor, program):
    """A flyer voucher of a merchant that has a default program to join."""
    return issue(manager_actor, title="Free croissant", validity=Validity(days=14))


def page(voucher, **kwargs):
    return f"/v/{voucher.public_token}"


def test_the_page_shows_the_voucher_and_its_code_for_the_cashier(bearer):
    response = Client().get(page(bearer))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Free croissant" in html and f"{bearer.code[:5]}-{bearer.code[5:]}" in html
    assert f"/v/{bearer.public_token}/qr.svg" in html and "Get my card" in html
    assert (
        response["Cache-Control"] == "private, no-store" and response["Referrer-Policy"] == "same-origin"
    )  # no-referrer would make Chromium post the claim form with Origin: null
    assert "<script" not in html


def test_an_unknown_link_is_a_plain_404(bearer):
    assert Client().get("/v/" + "x" * 32).status_code == 404
    assert Client().get(f"/v/{bearer.code}").status_code == 404  # the code is not the link


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("qr.svg", "image/svg+xml"),
        ("qr.png", "image/png"),
        ("barcode.svg", "image/svg+xml"),
        ("barcode.png", "image/png"),
        ("link-qr.svg", "image/svg+xml"),
    ],
)
def test_the_code_is_served_as_qr_and_barcode(bearer, name, content_type):
    response = Client().get(f"{page(bearer)}/{name}")
    assert response.status_code == 200 and response["Content-Type"] == content_type
    assert response.content.startswith(b"\x89PNG" if content_type == "image/png" else b"<")


def test_a_customer_claims_a_bearer_voucher_into_a_new_card(bearer, program, cashier):
    response = Client().post(page(bearer), {"name": "Olena K", "email": "Olena@Example.com"})

    assert response.status_code == 302 and response["Location"].endswith("?claimed=1")
    voucher = reload(bearer)
    card = Card.objects.get(pk=voucher.card_id)
    assert card.program == program and card.customer.name == "Olena K" and card.customer.email == "olena@example.com"
    assert voucher.claimed_at is not None and voucher.state == "active"
    [line] = CardEvent.objects.filter(card=card, kind=EventKind.VOUCHER_ISSUED)
    assert line.payload == {"voucher_id": str(voucher.pk), "claimed": True} and line.channel == "public"
    assert f"No. {card.number}" in Client().get(response["Location"]).content.decode()
    # and the cashier now sees it on the card
    assert [v["code"] for v in get(cashier.client(), f"/cards/{card.number}").json()["vouchers"]] == [voucher.code]


def test_a_claimed_voucher_cannot_be_claimed_again(bearer):
    Client().post(page(bearer), {"name": "Olena"})

    response = Client().post(page(bearer), {"name": "Taras"})

    assert response.status_code in (200, 409)
    assert "Get my card" not in response.content.decode()
    assert Customer.objects.count() == 1


def test_the_service_refuses_a_second_claim_and_writes_nothing(bearer):
    services.voucher_claim(token=bearer.public_token, name="Olena")
    with pytest.raises(services.errors.VoucherAlreadyClaimed):
        services.voucher_claim(token=bearer.public_token, name="Taras")
    assert Card.objects.count() == 1 and Customer.objects.count() == 1


@pytest.mark.parametrize("state", ["redeemed", "expired", "cancelled"])
def test_a_used_up_voucher_offers_no_card_and_cannot_be_claimed(bearer, manager_actor, cashier_actor, state):
    moment = bearer.expires_at if state == "expired" else bearer.valid_from
    if state == "redeemed":
        services.voucher_redeem(actor=cashier_actor, code=bearer.code)
    elif state == "cancelled":
        services.voucher_cancel(actor=manager_actor, code=bearer.code)

    with frozen_at(moment):
        shown = Client().get(page(bearer)).content.decode()
        refused = Client().post(page(bearer), {"name": "Olena"})

    assert "Get my card" not in shown and bearer.code[:5] not in shown
    assert refused.status_code == 409 and Card.objects.count() == 0


def test_an_invalid_form_is_shown_again_with_its_errors(bearer):
    response = Client().post(page(bearer), {"name": "", "email": "not-an-email"})
    assert response.status_code == 422 and Card.objects.count() == 0


def test_an_email_already_known_is_refused_without_a_half_made_card(bearer, manager_actor):
    services.voucher_claim(token=issue(manager_actor).public_token, name="Olena", email="o@example.com")

    response = Client().post(page(bearer), {"name": "Olena again", "email": "o@example.com"})

    assert response.status_code == 409 and reload(bearer).card_id is None
    assert Card.objects.count() == 1


def test_a_voucher_not_valid_yet_says_from_when(now, manager_actor, program):
    later = issue(manager_actor, valid_from=now + timedelta(days=3))
    html = Client().get(page(later)).content.decode()
    assert "Valid from" in html and "Issued" in html


def test_a_card_voucher_has_a_page_but_no_claim_form(now, manager_actor, card):
    voucher = issue(manager_actor, card=card)
    html = Client().get(page(voucher)).content.decode()
    assert voucher.code[:5] in html and "Get my card" not in html
    assert Voucher.objects.get(pk=voucher.pk).card == card
