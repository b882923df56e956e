"""Vouchers in the panel: one for a customer found by search, bearer batches with their PDF and a link per voucher,
a batch's vouchers with their states, and cancelling one."""

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.merchants.models import Role
from stampcard.vouchers import issuing, services
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher, VoucherBatch
from stampcard.vouchers.presenters import voucher_urls
from tests.conftest import reload
from tests.factories import CardFactory, CustomerFactory
from tests.panel.conftest import signed_in
from tests.panel.rewards.makers import manager_actor

NEW_VOUCHER = "/panel/rewards/vouchers/new/"
NEW_BATCH = "/panel/rewards/batches/new/"


def terms(**extra):
    return {"title": "Free cappuccino", "description": "", "validity": "days", "days": "30", **extra}


@pytest.fixture
def olena(shop):
    customer = CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko", email="olena@example.com")
    return CardFactory(program=shop.program, customer=customer)


@pytest.mark.parametrize("query", ["kovalenko", "olena@example.com"])
def test_the_customer_search_lists_matching_cards(manager_client, olena, query):
    response = manager_client.get("/panel/rewards/vouchers/customers/", {"q": query}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Olena Kovalenko" in html
    assert f'data-pick-card="{olena.number}"' in html


def test_the_customer_search_finds_a_card_by_its_number_and_says_when_nothing_matches(manager_client, olena):
    assert (
        olena.number in manager_client.get("/panel/rewards/vouchers/customers/", {"q": olena.number}).content.decode()
    )
    nothing = manager_client.get("/panel/rewards/vouchers/customers/", {"q": "Nobody Here"}).content.decode()
    assert "No customer matches" in nothing


def test_without_javascript_the_search_shows_on_the_voucher_page(manager_client, olena):
    html = manager_client.get(NEW_VOUCHER, {"q": "olena"}).content.decode()
    assert "Olena Kovalenko" in html


def test_a_voucher_is_issued_into_the_picked_customers_card(manager_client, shop, olena):
    response = manager_client.post(NEW_VOUCHER, terms(card=olena.number))
    assert response.status_code == 302
    voucher = Voucher.objects.get(card=olena)
    assert voucher.title == "Free cappuccino"
    assert voucher.state == "active"
    assert voucher.expires_at is not None
    assert voucher.issued_by == shop.staff[Role.MANAGER].membership.user
    assert CardEvent.objects.filter(card=olena, kind=EventKind.VOUCHER_ISSUED).count() == 1
    page = manager_client.get("/panel/rewards/").content.decode()
    assert format_code(voucher.code) in page


def test_a_voucher_valid_until_a_date(manager_client, shop, olena):
    until = (clock.now().astimezone(shop.merchant.tz) + timedelta(days=10)).date()
    manager_client.post(NEW_VOUCHER, terms(card=olena.number, validity="until", until=until.isoformat()))
    voucher = Voucher.objects.get(card=olena)
    assert voucher.expires_at.astimezone(shop.merchant.tz).date() == until + timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"card": ""}, "Find the customer and pick their card."),
        ({"title": ""}, "This field is required."),
        ({"days": ""}, "Say for how many days the voucher is valid."),
        ({"days": "99999"}, "Ensure this value is less than or equal to 3660."),
        ({"validity": "until", "until": "2001-01-01"}, "This day is in the past"),
        ({"validity": "until", "until": ""}, "Pick the last day the voucher is valid."),
    ],
)
def test_a_voucher_form_with_a_mistake_says_what_to_fix_and_issues_nothing(manager_client, olena, changes, message):
    response = manager_client.post(NEW_VOUCHER, terms(**{"card": olena.number, **changes}))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Voucher.objects.exists()


def test_another_merchants_card_cannot_receive_a_voucher(manager_client, other_shop):
    response = manager_client.post(NEW_VOUCHER, terms(card=other_shop.card.number))
    assert response.status_code == 422
    assert "search for the customer again" in response.content.decode()
    assert not Voucher.objects.exists()


def test_a_batch_makes_n_vouchers_with_a_link_each_and_a_pdf_holding_every_code(manager_client, shop):
    response = manager_client.post(
        NEW_BATCH, terms(name="Spring flyers", purpose="flyers", count="10", title="10% off", description="Any drink")
    )
    batch = VoucherBatch.objects.get(merchant=shop.merchant)
    assert response.status_code == 302
    assert response["Location"] == f"/panel/rewards/batches/{batch.pk}/"
    vouchers = list(batch.vouchers.all())
    assert len(vouchers) == batch.count == 10

    page = manager_client.get(response["Location"]).content.decode()
    for voucher in vouchers:
        assert format_code(voucher.code) in page
        assert voucher_urls(voucher)["page"] in page

    pdf = manager_client.get(f"/panel/rewards/batches/{batch.pk}/vouchers.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 2
    text = " ".join(p.extract_text() for p in reader.pages)
    assert sorted(c for c in (format_code(v.code) for v in vouchers) if c in text) == sorted(
        format_code(v.code) for v in vouchers
    )


def test_each_vouchers_link_opens_its_public_page(manager_client, shop, client):
    batch = issuing.voucher_batch_issue(actor=manager_actor(shop), name="Fair", count=2, title="Free cookie")
    page = manager_client.get(f"/panel/rewards/batches/{batch.pk}/").content.decode()
    for voucher in batch.vouchers.all():
        link = voucher_urls(voucher)["page"]
        assert f'value="{link}"' in page  # the box the copy button copies from
        public = client.get(urlsplit(link).path)
        assert public.status_code == 200
        assert format_code(voucher.code) in public.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"count": "1001"}, "Ensure this value is less than or equal to 1000."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_batch_form_with_a_mistake_makes_nothing(manager_client, shop, changes, message):
    response = manager_client.post(NEW_BATCH, terms(**{"name": "Flyers", "purpose": "flyers", "count": "4", **changes}))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not VoucherBatch.objects.exists()


def test_a_batch_lists_each_vouchers_state_and_one_can_be_cancelled(manager_client, shop):
    batch = issuing.voucher_batch_issue(actor=manager_actor(shop), name="Fair", count=3, title="Free cookie")
    first, second, third = batch.vouchers.order_by("created_at", "code")
    services.voucher_redeem(actor=manager_actor(shop), code=first.code)

    response = manager_client.post(f"/panel/rewards/vouchers/{second.pk}/cancel/", {"confirm": "1"})
    assert response["Location"] == f"/panel/rewards/batches/{batch.pk}/"
    assert reload(second).state == "cancelled"
    assert reload(second).cancelled_by == shop.staff[Role.MANAGER].membership.user

    page = manager_client.get(f"/panel/rewards/batches/{batch.pk}/").content.decode()
    assert page.count('data-testid="voucher-state">Redeemed<') == 1
    assert page.count('data-testid="voucher-state">Cancelled<') == 1
    assert page.count('data-testid="voucher-state">Active<') == 1
    assert page.count("/cancel/") == 1  # only the active one can still be cancelled


def test_cancelling_needs_the_confirmation_and_a_redeemed_voucher_stays_redeemed(manager_client, shop):
    batch = issuing.voucher_batch_issue(actor=manager_actor(shop), name="Fair", count=2, title="Free cookie")
    first, second = batch.vouchers.all()
    manager_client.post(f"/panel/rewards/vouchers/{first.pk}/cancel/")
    assert reload(first).state == "active"
    services.voucher_redeem(actor=manager_actor(shop), code=second.code)
    manager_client.post(f"/panel/rewards/vouchers/{second.pk}/cancel/", {"confirm": "1"}, follow=True)
    assert reload(second).state == "redeemed"


def test_cashiers_neither_issue_nor_print_nor_cancel(shop, olena):
    cashier = signed_in(shop, Role.CASHIER)
    batch = issuing.voucher_batch_issue(actor=manager_actor(shop), name="Fair", count=1, title="Free cookie")
    (voucher,) = batch.vouchers.all()
    assert cashier.post(NEW_VOUCHER, terms(card=olena.number)).status_code == 403
    assert cashier.post(NEW_BATCH, terms(name="X", purpose="flyers", count="2")).status_code == 403
    assert cashier.get(f"/panel/rewards/batches/{batch.pk}/vouchers.pdf").status_code == 403
    assert cashier.post(f"/panel/rewards/vouchers/{voucher.pk}/cancel/", {"confirm": "1"}).status_code == 403
    assert reload(voucher).state == "active"
    assert Voucher.objects.count() == 1


def test_another_merchants_batch_and_voucher_are_not_found(manager_client, other_shop):
    batch = issuing.voucher_batch_issue(actor=manager_actor(other_shop), name="Fair", count=1, title="Free cookie")
    (voucher,) = batch.vouchers.all()
    assert manager_client.get(f"/panel/rewards/batches/{batch.pk}/").status_code == 404
    assert manager_client.get(f"/panel/rewards/batches/{batch.pk}/vouchers.pdf").status_code == 404
    assert manager_client.post(f"/panel/rewards/vouchers/{voucher.pk}/cancel/", {"confirm": "1"}).status_code == 404
    assert reload(voucher).state == "active"
