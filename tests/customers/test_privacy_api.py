"""API v1 data rights: owners and managers export and erase their merchant's customers; cashiers are refused, other
merchants' customers are not found, bad ids are a 404, and the routes are in the OpenAPI."""

import uuid

import pytest

from stampcard.customers.models import Customer, CustomerErasure
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory


@pytest.fixture
def customer(merchant):
    customer = CustomerFactory(
        merchant=merchant, name="Olena Kovalenko", email="olena@example.com", phone="+380501234567"
    )
    CardFactory(program=ProgramFactory(merchant=merchant), customer=customer)
    return customer


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_export_a_customer_as_json(request, role, customer):
    staff = request.getfixturevalue(role)

    response = staff.client().get(f"/api/v1/customers/{customer.pk}/export")

    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["email"] == "olena@example.com" and body["records"]["cards.card"]


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_erase_a_customer_and_a_second_erase_answers_the_same(request, role, customer):
    staff = request.getfixturevalue(role)

    first = staff.client().post(f"/api/v1/customers/{customer.pk}/erase")
    second = staff.client().post(f"/api/v1/customers/{customer.pk}/erase")

    assert first.status_code == 200 and first.json()["customer_id"] == str(customer.pk)
    assert second.status_code == 200 and second.json() == first.json()
    assert Customer.objects.get(pk=customer.pk).email == "" and CustomerErasure.objects.count() == 1


def test_a_cashier_is_refused_both(cashier, customer):
    export = cashier.client().get(f"/api/v1/customers/{customer.pk}/export")
    erase = cashier.client().post(f"/api/v1/customers/{customer.pk}/erase")

    assert export.status_code == 403 and export.json()["code"] == "role_forbidden"
    assert erase.status_code == 403 and erase.json()["code"] == "role_forbidden"
    assert Customer.objects.get(pk=customer.pk).erased_at is None


@pytest.mark.parametrize("customer_id", ["not-a-uuid", str(uuid.uuid4())])
def test_an_unknown_customer_is_not_found(manager, customer_id):
    response = manager.client().post(f"/api/v1/customers/{customer_id}/erase")

    assert response.status_code == 404 and response.json()["code"] == "customer_not_found"


def test_another_merchants_customer_is_not_found(manager):
    stranger = CustomerFactory(merchant=MerchantFactory(), name="Stranger", email="s@example.com")

    export = manager.client().get(f"/api/v1/customers/{stranger.pk}/export")
    erase = manager.client().post(f"/api/v1/customers/{stranger.pk}/erase")

    assert export.status_code == 404 and erase.status_code == 404
    assert Customer.objects.get(pk=stranger.pk).email == "s@example.com"


def test_without_a_key_the_routes_answer_401(client, customer):
    assert client.get(f"/api/v1/customers/{customer.pk}/export").status_code == 401
    assert client.post(f"/api/v1/customers/{customer.pk}/erase").status_code == 401


def test_the_routes_are_documented_with_the_shared_errors(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    erase = paths["/api/v1/customers/{customer_id}/erase"]["post"]
    export = paths["/api/v1/customers/{customer_id}/export"]["get"]
    assert {"200", "403", "404"} <= set(erase["responses"]) and {"200", "403", "404"} <= set(export["responses"])
