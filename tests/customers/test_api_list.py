"""GET /api/v1/customers and GET /api/v1/customers/{id}: the customer directory for managers."""

import pytest

from stampcard.cards.models import Card
from stampcard.checkouts import services as checkouts_services
from stampcard.merchants.actors import Channel
from tests.api.helpers import error_of, get, post
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_a_manager_lists_customers_with_masked_contacts(manager, card):
    card.customer.email = "olena.k@example.com"
    card.customer.save(update_fields=["email"])

    response = get(manager.client(), "/customers")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next_cursor"] is None
    [row] = body["results"]
    assert row["customer"] == {"id": str(card.customer_id), "name": card.customer.name, "contact": "ol•••@example.com"}
    assert row["card"]["number"] == card.number
    assert row["card"]["goal"] == card.program.goal
    assert row["visits"] == 0


def test_search_and_cursor_pages(manager, program):
    for n in range(5):
        CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name=f"Taras {n}"))
    CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name="Olena"))

    first = get(manager.client(), "/customers", q="taras", limit="3").json()
    second = get(manager.client(), "/customers", q="taras", limit="3", cursor=first["next_cursor"]).json()

    names = [row["customer"]["name"] for row in first["results"] + second["results"]]
    assert sorted(names) == [f"Taras {n}" for n in range(5)]
    assert second["next_cursor"] is None


def test_a_forged_cursor_is_a_422(manager, card):
    error = error_of(get(manager.client(), "/customers", cursor="bm9wZQ"), 422)

    assert error["code"] == "invalid_cursor"


def test_an_unknown_wallet_filter_is_a_422(manager, card):
    error_of(get(manager.client(), "/customers", wallet="nokia"), 422)


def test_a_cashier_may_not_list_customers(cashier, card):
    error = error_of(get(cashier.client(), "/customers"), 403)

    assert error["code"] == "role_forbidden"


def test_the_list_never_shows_another_merchants_cards(manager, card):
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))

    numbers = [row["card"]["number"] for row in get(manager.client(), "/customers").json()["results"]]

    assert numbers == [card.number]
    assert stranger.number not in numbers


def test_one_customer_with_cards_visits_and_ready_rewards(manager, card):
    checkouts_services.card_adjust(
        actor=manager.actor(Channel.API), card_ref=card.number, delta=card.program.goal, reason="Full"
    )

    response = get(manager.client(), f"/customers/{card.customer_id}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer"]["id"] == str(card.customer_id)
    [payload] = body["cards"]
    assert payload["number"] == card.number
    assert len(payload["rewards_ready"]) == 1
    assert payload["visits"] == 0


def test_another_merchants_customer_is_404(manager):
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))

    error = error_of(get(manager.client(), f"/customers/{stranger.customer_id}"), 404)

    assert error["code"] == "customer_not_found"


def test_a_malformed_customer_id_is_404(manager):
    assert error_of(get(manager.client(), "/customers/not-a-uuid"), 404)["code"] == "customer_not_found"


def test_a_cashier_may_not_read_a_customer(cashier, card):
    error_of(get(cashier.client(), f"/customers/{card.customer_id}"), 403)


def test_enrolment_still_answers_beside_the_list(cashier, program):
    response = post(cashier.client(), "/customers", {"name": "Olena"})

    assert response.status_code == 201, response.content
    assert Card.objects.filter(customer__name="Olena").exists()


def test_the_list_costs_the_same_queries_for_one_row_or_a_full_page(manager, card, django_assert_max_num_queries):
    client = manager.client()
    with django_assert_max_num_queries(20) as one_row:
        assert len(get(client, "/customers").json()["results"]) == 1
    for _ in range(12):
        CardFactory(program=card.program)

    with django_assert_max_num_queries(len(one_row.captured_queries)):
        assert len(get(client, "/customers", limit="10").json()["results"]) == 10


def test_the_customer_history_pages_back_newest_first(manager, card):
    for n in range(4):
        checkouts_services.card_adjust(actor=manager.actor(Channel.API), card_ref=card.number, delta=1, reason=f"n{n}")

    first = get(manager.client(), f"/customers/{card.customer_id}/events", limit="3").json()
    older = get(
        manager.client(), f"/customers/{card.customer_id}/events", limit="3", before=str(first["next_before"])
    ).json()

    reasons = [line["reason"] for line in first["results"] + older["results"]]
    assert reasons == ["n3", "n2", "n1", "n0"]
    assert older["next_before"] is None
    assert first["results"][0]["staff"] == manager.membership.user.email


def test_another_merchants_customer_history_is_404(manager):
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))

    error_of(get(manager.client(), f"/customers/{stranger.customer_id}/events"), 404)


def test_a_cashier_may_not_read_a_customer_history(cashier, card):
    error_of(get(cashier.client(), f"/customers/{card.customer_id}/events"), 403)
