"""A customer's data rights in the panel: download their data, erase them, and email them their card link."""

import json

import pytest
from django.core import mail

from stampcard.cards import links
from stampcard.customers.models import Customer, CustomerErasure
from stampcard.merchants.models import Role
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db


def url(shop, action: str) -> str:
    return f"/panel/customers/{shop.card.customer_id}/{action}/"


def name_the_customer(shop, *, name: str = "Olena Kovalenko", email: str = "olena@example.com") -> Customer:
    Customer.objects.filter(pk=shop.card.customer_id).update(name=name, email=email)
    return Customer.objects.get(pk=shop.card.customer_id)


def test_the_customer_page_offers_the_download_and_the_erasure(shop, manager_client):
    name_the_customer(shop)

    html = manager_client.get(f"/panel/customers/{shop.card.customer_id}/").content.decode()

    assert url(shop, "export") in html and url(shop, "erase") in html and url(shop, "send-link") in html


def test_the_download_is_the_customers_data_as_a_json_attachment(shop, owner_client):
    name_the_customer(shop)

    response = owner_client.get(url(shop, "export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["name"] == "Olena Kovalenko"
    assert data["profile"]["email"] == "olena@example.com"


def test_the_erase_page_says_what_happens_before_anything_does(shop, manager_client):
    name_the_customer(shop)

    response = manager_client.get(url(shop, "erase"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "removed for good" in html and "Apple Wallet pass is voided" in html and "history is kept" in html
    assert Customer.objects.get(pk=shop.card.customer_id).name == "Olena Kovalenko"


def test_erasing_removes_the_name_and_records_the_erasure(shop, manager_client):
    name_the_customer(shop)

    response = manager_client.post(url(shop, "erase"), follow=True)

    assert response.redirect_chain[-1][0] == "/panel/customers/"
    customer = Customer.objects.get(pk=shop.card.customer_id)
    assert "Olena" not in customer.name and customer.email == "" and customer.erased_at is not None
    erasure = CustomerErasure.objects.get(customer=customer)
    assert erasure.erased_by == shop.staff[Role.MANAGER].membership.user
    assert "erased" in response.content.decode()


@pytest.mark.parametrize("action", ["export", "erase"])
def test_a_cashier_may_neither_download_nor_erase(shop, cashier_client, action):
    name_the_customer(shop)

    assert cashier_client.get(url(shop, action)).status_code == 403
    assert cashier_client.post(url(shop, "erase")).status_code == 403
    assert cashier_client.post(url(shop, "send-link")).status_code == 403
    assert Customer.objects.get(pk=shop.card.customer_id).erased_at is None


@pytest.mark.parametrize("action", ["export", "erase", "send-link"])
def test_another_merchants_customer_answers_404(shop, other_shop, owner_client, action):
    name_the_customer(other_shop)

    method = owner_client.post if action == "send-link" else owner_client.get
    assert method(url(other_shop, action)).status_code == 404
    assert owner_client.post(url(other_shop, "erase")).status_code == 404
    assert Customer.objects.get(pk=other_shop.card.customer_id).erased_at is None
    assert mail.outbox == []


def test_resending_emails_the_card_link_to_the_customer(shop, manager_client):
    name_the_customer(shop)

    response = manager_client.post(url(shop, "send-link"), follow=True)

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["olena@example.com"]
    assert links.web_card_url(shop.card) in sent.body
    assert "olena@example.com" in response.content.decode()


def test_resending_without_an_email_is_refused_with_a_message(shop, manager_client):
    name_the_customer(shop, email="")

    response = manager_client.post(url(shop, "send-link"), follow=True)

    assert mail.outbox == []
    assert "no email saved" in response.content.decode()


def test_resending_the_card_link_stops_after_three_an_hour_with_a_message(shop, manager_client):
    name_the_customer(shop)
    for _ in range(3):
        manager_client.post(url(shop, "send-link"))

    response = manager_client.post(url(shop, "send-link"), follow=True)

    assert len(mail.outbox) == 3
    assert "sent 3 times this hour already" in response.content.decode()


def test_the_card_link_limit_counts_per_customer(shop, manager_client):
    name_the_customer(shop)
    for _ in range(3):
        manager_client.post(url(shop, "send-link"))
    other = CardFactory(program=shop.card.program)
    Customer.objects.filter(pk=other.customer_id).update(email="taras@example.com")

    manager_client.post(f"/panel/customers/{other.customer_id}/send-link/")

    assert [m.to for m in mail.outbox][-1] == ["taras@example.com"]
