"""API v1 merge of duplicate customers: managers and owners list suggested duplicates and merge, with the
Idempotency-Key honoured; cashiers are refused, other merchants' customers are not found, and the routes are in the
OpenAPI."""

import uuid

import pytest

from stampcard.cards.models import Card
from stampcard.customers.models import Customer, CustomerMerge
from stampcard.merchants.models import Role
from tests.conftest import make_staff
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(merchant):
    program = ProgramFactory(merchant=merchant)
    a = CustomerFactory(merchant=merchant, name="Olena K", email="olena.k@gmail.com")
    b = CustomerFactory(merchant=merchant, name="Olena K", email="olenak+x@gmail.com", phone="+380501234567")
    CardFactory(program=program, customer=a)
    CardFactory(program=program, customer=b)
    return a, b


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_see_the_suggested_duplicates(request, role, twins):
    staff = request.getfixturevalue(role)

    response = staff.client().get("/api/v1/customers/duplicates")

    assert response.status_code == 200
    [group] = response.json()["results"]  # by email and by name: the same pair is listed once
    assert group["reason"] == "email"
    assert [c["id"] for c in group["customers"]] == [str(twins[0].pk), str(twins[1].pk)]
    assert "@" in group["customers"][0]["contact"] and "olena.k@gmail.com" not in response.content.decode()


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_merge_and_a_replay_answers_the_same(request, role, twins, cashier):
    staff = request.getfixturevalue(role)
    a, b = twins
    b_card = Card.objects.get(customer=b)
    cashier.client().post(
        "/api/v1/checkouts",
        {"card": b_card.number, "check": {"external_id": "P-1", "total": 100, "currency": "UAH"}},
        content_type="application/json",
    )
    headers = {"Idempotency-Key": "merge-1"}

    first = staff.client().post(
        f"/api/v1/customers/{a.pk}/merge", {"absorb": str(b.pk)}, content_type="application/json", headers=headers
    )
    second = staff.client().post(
        f"/api/v1/customers/{a.pk}/merge", {"absorb": str(b.pk)}, content_type="application/json", headers=headers
    )

    assert first.status_code == 200, first.content
    body = first.json()
    assert body["customer"]["id"] == str(a.pk) and body["customer"]["phone"] == "+380501234567"
    assert body["absorbed_id"] == str(b.pk) and body["combined_cards"] == [b_card.number]
    assert [card["stamps"] for card in body["cards"]] == [1]
    assert second.status_code == 200 and second.json() == body
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert CustomerMerge.objects.count() == 1


def test_merging_again_without_the_key_is_a_conflict(manager, twins):
    a, b = twins
    url = f"/api/v1/customers/{a.pk}/merge"
    assert manager.client().post(url, {"absorb": str(b.pk)}, content_type="application/json").status_code == 200

    again = manager.client().post(url, {"absorb": str(b.pk)}, content_type="application/json")

    assert again.status_code == 409 and again.json()["code"] == "customer_already_merged"


def test_a_cashier_is_refused_both(cashier, twins):
    a, b = twins
    listing = cashier.client().get("/api/v1/customers/duplicates")
    merging = cashier.client().post(
        f"/api/v1/customers/{a.pk}/merge", {"absorb": str(b.pk)}, content_type="application/json"
    )

    assert listing.status_code == 403 and listing.json()["code"] == "role_forbidden"
    assert merging.status_code == 403 and merging.json()["code"] == "role_forbidden"
    assert Customer.objects.get(pk=b.pk).merged_into_id is None


def test_merging_a_customer_with_itself_is_refused(manager, twins):
    a, _ = twins
    response = manager.client().post(
        f"/api/v1/customers/{a.pk}/merge", {"absorb": str(a.pk)}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["code"] == "merge_same_customer"


@pytest.mark.parametrize("which", ["path", "absorb"])
def test_another_merchants_or_an_unknown_customer_is_not_found(manager, twins, which):
    a, _ = twins
    stranger = CustomerFactory(merchant=MerchantFactory())
    for other in (str(stranger.pk), str(uuid.uuid4()), "not-a-uuid"):
        path, absorb = (other, str(a.pk)) if which == "path" else (str(a.pk), other)
        response = manager.client().post(
            f"/api/v1/customers/{path}/merge", {"absorb": absorb}, content_type="application/json"
        )
        assert response.status_code == 404 and response.json()["code"] == "customer_not_found", other
    assert Customer.objects.get(pk=stranger.pk).merged_into_id is None


def test_another_merchants_duplicates_are_not_listed(twins):
    other = make_staff(MerchantFactory(), Role.MANAGER)
    assert other.client().get("/api/v1/customers/duplicates").json() == {"results": []}


def test_the_body_must_be_an_object_with_absorb(manager, twins):
    a, _ = twins
    for body in ('"x"', "{}", '{"absorb": 5}'):
        response = manager.client().post(f"/api/v1/customers/{a.pk}/merge", body, content_type="application/json")
        assert response.status_code == 422, body


def test_the_routes_are_in_the_openapi(manager):
    paths = manager.client().get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/customers/duplicates"]
    assert "post" in paths["/api/v1/customers/{customer_id}/merge"]
    assert "get" in paths["/api/v1/customers/{customer_id}"]  # the directory's route still answers


def test_a_customer_page_still_answers_beside_duplicates(manager, twins):
    a, _ = twins
    assert manager.client().get(f"/api/v1/customers/{a.pk}").status_code == 200
