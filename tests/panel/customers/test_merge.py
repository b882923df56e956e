"""Merging duplicate customers in the panel: the likely duplicates, "Merge with…" from a customer's page, the
preview of both sides and the result, the confirmation; managers and owners only, other merchants' customers 404."""

import pytest

from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.customers.models import Customer, CustomerMerge
from stampcard.merchants.models import Role
from tests.cards.helpers import a_check
from tests.factories import CardFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(shop):
    """The shop's card holder and a second record of the same person, each with stamps."""
    first = Customer.objects.get(pk=shop.card.customer_id)
    Customer.objects.filter(pk=first.pk).update(name="Olena Kovalenko", name_folded="olena kovalenko")
    second = CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko", phone="+380501234567")
    second_card = CardFactory(program=shop.program, customer=second)
    actor = shop.staff[Role.MANAGER].actor()
    for card, n in ((shop.card, 2), (second_card, 3)):
        for _ in range(n):
            checkouts_services.checkout_commit(actor=actor, card_ref=card.number, check=a_check())
    return Customer.objects.get(pk=first.pk), second, second_card


def test_the_customers_list_links_to_the_possible_duplicates(manager_client):
    html = manager_client.get("/panel/customers/").content.decode()
    assert "/panel/customers/duplicates/" in html


def test_the_duplicates_page_groups_the_same_name_with_a_link_to_compare(manager_client, twins):
    first, second, _ = twins

    response = manager_client.get("/panel/customers/duplicates/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Same name" in html and html.count("Olena Kovalenko") >= 2
    assert f"/panel/customers/{first.pk}/merge/{second.pk}/" in html


def test_the_customer_page_offers_merge_with_and_the_pick_page_suggests_the_twin(manager_client, twins):
    first, second, _ = twins
    assert f"/panel/customers/{first.pk}/merge/" in manager_client.get(f"/panel/customers/{first.pk}/").content.decode()

    html = manager_client.get(f"/panel/customers/{first.pk}/merge/").content.decode()

    assert "Likely duplicate" in html and f"/panel/customers/{first.pk}/merge/{second.pk}/" in html


def test_the_pick_page_searches_any_other_customer(manager_client, twins, shop):
    first, _, _ = twins
    other = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant, name="Petro Ivanenko"))

    html = manager_client.get(f"/panel/customers/{first.pk}/merge/?q=petro").content.decode()

    assert f"/panel/customers/{first.pk}/merge/{other.customer_id}/" in html


def test_the_preview_shows_both_sides_and_the_result_and_changes_nothing(manager_client, twins):
    first, second, second_card = twins

    response = manager_client.get(f"/panel/customers/{first.pk}/merge/{second.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Stamps now: 2," in html and "Stamps now: 3," in html and "Stamps now: 5," in html
    assert second_card.number in html and "Phone" in html  # the survivor takes the phone it lacks
    assert f"/panel/customers/{second.pk}/merge/{first.pk}/" in html  # keep the other one instead
    assert not CustomerMerge.objects.exists()


def test_confirming_merges_and_lands_on_the_survivor_with_the_whole_history(manager_client, twins, shop):
    first, second, second_card = twins

    response = manager_client.post(f"/panel/customers/{first.pk}/merge/{second.pk}/", follow=True)

    assert response.redirect_chain[-1][0] == f"/panel/customers/{first.pk}/"
    assert Card.objects.get(pk=shop.card.pk).stamps == 5
    record = CustomerMerge.objects.get()
    assert record.merged_by == shop.staff[Role.MANAGER].membership.user and record.channel == "panel"
    assert CardEvent.objects.get(card=second_card, kind=EventKind.MERGED_OUT).actor == record.merged_by
    html = response.content.decode()
    assert "Merged:" in html and "Duplicate card merged in" in html and "Merged into another card" in html
    # the closed customer's page leads to the survivor
    assert manager_client.get(f"/panel/customers/{second.pk}/")["Location"] == f"/panel/customers/{first.pk}/"


def test_confirming_twice_says_why_the_second_is_refused(manager_client, twins):
    first, second, _ = twins
    manager_client.post(f"/panel/customers/{first.pk}/merge/{second.pk}/")

    response = manager_client.post(f"/panel/customers/{first.pk}/merge/{second.pk}/", follow=True)

    assert "already merged" in response.content.decode()
    assert CustomerMerge.objects.count() == 1


def test_a_customer_cannot_be_merged_with_itself(manager_client, twins):
    first, _, _ = twins
    response = manager_client.get(f"/panel/customers/{first.pk}/merge/{first.pk}/")
    assert response.status_code == 200 and "Pick two different customers" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_cashier_is_refused_every_merge_page(cashier_client, twins, method):
    first, second, _ = twins
    for url in (
        "/panel/customers/duplicates/",
        f"/panel/customers/{first.pk}/merge/",
        f"/panel/customers/{first.pk}/merge/{second.pk}/",
    ):
        assert getattr(cashier_client, method)(url).status_code == 403, url
    assert not CustomerMerge.objects.exists()


def test_another_merchants_customer_answers_404(owner_client, twins, other_shop):
    first, _, _ = twins
    stranger = other_shop.card.customer_id
    assert owner_client.get(f"/panel/customers/{stranger}/merge/").status_code == 404
    assert owner_client.get(f"/panel/customers/{first.pk}/merge/{stranger}/").status_code == 404
    assert owner_client.post(f"/panel/customers/{first.pk}/merge/{stranger}/").status_code == 404
    assert owner_client.post(f"/panel/customers/{stranger}/merge/{first.pk}/").status_code == 404
    assert not CustomerMerge.objects.exists()


def test_another_merchants_duplicates_are_not_shown(owner_client, twins, other_shop):
    CustomerFactory(merchant=other_shop.merchant, name="Taras Shevchenko")
    CustomerFactory(merchant=other_shop.merchant, name="Taras Shevchenko")
    html = owner_client.get("/panel/customers/duplicates/").content.decode()
    assert "Taras" not in html
