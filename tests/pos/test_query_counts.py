"""Hot endpoints keep a fixed number of queries, whatever the number of results: an N+1 fails here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.cards.models import Card
from stampcard.checkouts.services import checkout_commit
from tests.api.helpers import checkout_body, get, post
from tests.cards.helpers import a_check
from tests.factories import CardFactory, CustomerFactory, ProgramFactory

# The key is resolved with its merchant, subscription, membership, user and location in one query.
AUTH = 1
# A card payload reads the usable vouchers of all its cards in one query, whatever their number.
VOUCHERS = 1
# The miss limits of lookups (stampcard.api.misses): a slot taken and given back per scope (the key, the address),
# each in its own transaction; the first request of a window also inserts its counters. The same for any result.
LOOKUP_LIMITS = 12


@pytest.fixture
def program(merchant):
    return ProgramFactory(merchant=merchant, goal=1)


@pytest.fixture
def client(cashier):
    """A till that has used its key a moment ago, so the request does not also record the key's last use."""
    client = cashier.client()
    assert get(client, "/merchant").status_code == 200
    return client


def olenas(program, cashier, count: int, rewards: bool = True) -> list[Card]:
    """Cards of customers named Olena, each holding a ready reward (goal 1) so rewards are loaded too."""
    cards = [
        CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name=f"Olena {n}"))
        for n in range(count)
    ]
    if rewards:
        for card in cards:
            checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())
    return cards


def queries_of(request) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code in (200, 201), response.content
    return len(captured)


def test_a_name_lookup_of_20_cards_with_their_rewards_takes_three_queries(
    cashier, client, program, django_assert_max_num_queries
):
    olenas(program, cashier, 25)

    # the cards with program and customer; their ready rewards; their vouchers
    with django_assert_max_num_queries(AUTH + 2 + VOUCHERS + LOOKUP_LIMITS):
        response = get(client, "/cards/lookup", q="olena")

    results = response.json()["results"]
    assert len(results) == 20 and all(len(r["rewards_ready"]) == 1 for r in results)


def test_a_lookup_costs_the_same_for_one_result_as_for_twenty(cashier, client, program):
    olenas(program, cashier, 20)
    taras = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name="Taras Shevchenko"))
    # holding a reward like the Olenas: a card holding nothing is answered without the holdings read at all
    checkout_commit(actor=cashier.actor(), card_ref=taras.number, check=a_check())

    get(client, "/cards/lookup", q="taras")  # the window's first lookup inserts the limits' counters
    one = queries_of(lambda: get(client, "/cards/lookup", q="taras"))
    twenty = queries_of(lambda: get(client, "/cards/lookup", q="olena"))

    assert one == twenty


@pytest.mark.parametrize("by", ["number", "qr", "email"])
def test_a_lookup_by_number_qr_or_email_takes_three_queries(
    cashier, client, program, by, django_assert_max_num_queries
):
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, email="o@example.com"))
    checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())
    q = {"number": card.number, "qr": card.qr_payload, "email": "o@example.com"}[by]

    with django_assert_max_num_queries(AUTH + 2 + VOUCHERS + LOOKUP_LIMITS):
        assert len(get(client, "/cards/lookup", q=q).json()["results"]) == 1


def test_reading_a_card_with_many_ready_rewards_takes_three_queries(
    cashier, client, program, django_assert_max_num_queries
):
    [card] = olenas(program, cashier, 1, rewards=False)
    for _ in range(6):
        checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())

    with django_assert_max_num_queries(AUTH + 2 + VOUCHERS + LOOKUP_LIMITS):
        response = get(client, f"/cards/{card.number}")

    assert len(response.json()["rewards_ready"]) == 6


def test_a_preview_takes_five_queries(cashier, client, program, django_assert_max_num_queries):
    [card] = olenas(program, cashier, 1)

    # card, existing check, the month's usage (the free plan has a cap to warn about), ready rewards
    with django_assert_max_num_queries(AUTH + 4 + VOUCHERS + LOOKUP_LIMITS):
        assert post(client, "/checkouts/preview", checkout_body(card)).status_code == 200


def test_a_commit_costs_the_same_however_many_rewards_the_card_already_holds(cashier, client, program):
    fresh, loaded = CardFactory(program=program), CardFactory(program=program)
    for _ in range(10):
        checkout_commit(actor=cashier.actor(), card_ref=loaded.number, check=a_check())

    assert queries_of(lambda: post(client, "/checkouts", checkout_body(fresh))) == queries_of(
        lambda: post(client, "/checkouts", checkout_body(loaded))
    )


def test_a_commit_without_a_reward_stays_within_its_query_budget(
    cashier, client, merchant, django_assert_max_num_queries
):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=100))
    post(client, "/checkouts", checkout_body(card))  # the month's usage counter exists from here on

    # Lock the card, look for the check, insert it (savepoint), append the stamp, move the card, count the
    # operation, read the ready rewards, look for a referral this visit qualifies: about a dozen, never one per
    # anything.
    with django_assert_max_num_queries(AUTH + 12 + VOUCHERS):
        assert post(client, "/checkouts", checkout_body(card)).status_code == 200


def test_get_merchant_takes_three_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(AUTH + 2):  # the month's usage; the current subscription
        assert get(client, "/merchant").status_code == 200
