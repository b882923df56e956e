"""GET /api/v1/cards/lookup and GET /api/v1/cards/{number}: identifying a customer at the till."""

import pytest

from stampcard.cards.models import Card
from tests.api.helpers import checkout_body, error_of, get, post
from tests.factories import CardFactory, CustomerFactory, ProgramFactory


def a_card(program, name="Olena Kovalenko", number: str | None = None, **customer) -> Card:
    card = {"number": number} if number else {}
    return CardFactory(
        program=program, customer=CustomerFactory(merchant=program.merchant, name=name, **customer), **card
    )


def lookup(staff, q: str) -> list[dict]:
    response = get(staff.client(), "/cards/lookup", q=q)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def numbers(results: list[dict]) -> list[str]:
    return [r["number"] for r in results]


# -- lookup --------------------------------------------------------------------------------------------------------


def test_looking_up_a_six_digit_number_finds_that_card(cashier, program):
    card, _other = a_card(program), a_card(program)

    results = lookup(cashier, card.number)

    assert numbers(results) == [card.number]
    assert results[0]["qr"] == card.qr_payload and results[0]["customer"]["name"] == "Olena Kovalenko"


def test_looking_up_a_qr_payload_finds_that_card_whatever_the_case(cashier, program):
    card, _other = a_card(program), a_card(program)

    assert numbers(lookup(cashier, card.qr_payload)) == [card.number]
    assert numbers(lookup(cashier, card.qr_payload.lower())) == [card.number]
    assert numbers(lookup(cashier, f"  {card.qr_payload} ")) == [card.number]


def test_looking_up_an_email_finds_its_customers_card_whatever_the_case(cashier, program):
    card = a_card(program, email="olena@example.com")
    a_card(program, email="other@example.com")

    assert numbers(lookup(cashier, "olena@example.com")) == [card.number]
    assert numbers(lookup(cashier, "OLENA@Example.com")) == [card.number]


def test_looking_up_a_phone_finds_its_customers_card(cashier, program):
    card = a_card(program, phone="+380501234567")

    assert numbers(lookup(cashier, "+380 50 123-45-67")) == [card.number]
    assert numbers(lookup(cashier, "0501234567")) == [card.number]


def test_a_phone_tail_matching_several_customers_lists_the_most_recently_stamped_first(cashier, program):
    quiet = a_card(program, phone="+380501234567")
    busy = a_card(program, phone="+48501234567")
    post(cashier.client(), "/checkouts", checkout_body(busy))

    assert numbers(lookup(cashier, "501234567")) == [busy.number, quiet.number]


@pytest.mark.parametrize("q", ["jose alvarez", "JOSE ALVAREZ", "José Álvarez", "alvarez", "álv jos", "  jose   alv "])
def test_a_name_is_found_case_and_accent_insensitively(cashier, program, q):
    card = a_card(program, name="José Álvarez")
    a_card(program, name="Josefina Martínez")
    a_card(program, name="Olena Kovalenko")

    assert numbers(lookup(cashier, q)) == [card.number]


def test_a_name_search_matches_every_word_typed(cashier, program):
    jose = a_card(program, name="José Álvarez")
    josefina = a_card(program, name="Josefina Álvarez")

    assert sorted(numbers(lookup(cashier, "jose"))) == sorted([jose.number, josefina.number])
    assert numbers(lookup(cashier, "josefina alvarez")) == [josefina.number]
    assert lookup(cashier, "jose martinez") == []


def test_cyrillic_names_are_found_case_insensitively(cashier, program):
    card = a_card(program, name="Олена Коваленко")

    assert numbers(lookup(cashier, "олена КОВАЛЕНКО")) == [card.number]


def test_a_name_search_returns_at_most_one_page_of_20_most_recently_active_first(cashier, program):
    cards = [a_card(program, name=f"Olena {n}") for n in range(25)]
    recent = cards[7]
    assert post(cashier.client(), "/checkouts", checkout_body(recent)).status_code == 200

    results = lookup(cashier, "olena")

    assert len(results) == 20
    assert len(set(numbers(results))) == 20
    assert results[0]["number"] == recent.number and results[0]["stamps"] == 1


def test_two_same_named_customers_come_back_told_apart_without_their_full_contact(cashier, program):
    coffee = program
    bakery = ProgramFactory(merchant=program.merchant, name="Bakery", is_default=False)
    by_email = a_card(coffee, email="olena.k@example.com")
    by_phone = a_card(bakery, phone="+380501234567")
    post(cashier.client(), "/checkouts", checkout_body(by_email))

    results = {r["number"]: r for r in lookup(cashier, "olena kovalenko")}

    assert set(results) == {by_email.number, by_phone.number}
    emailed, phoned = results[by_email.number], results[by_phone.number]
    assert (emailed["program_name"], phoned["program_name"]) == (coffee.name, "Bakery")
    assert (emailed["contact_masked"], phoned["contact_masked"]) == ("ol•••@example.com", "+380•••4567")
    assert emailed["last_visit_at"] is not None and phoned["last_visit_at"] is None
    assert "olena.k@example.com" not in str(results) and "+380501234567" not in str(results)


@pytest.mark.parametrize("q", ["000000", "SC1:" + "0" * 26, "nobody@example.com", "Nobody Atall", "+380999999999"])
def test_a_lookup_that_matches_nothing_returns_no_results(cashier, program, q):
    a_card(program)

    assert lookup(cashier, q) == []


@pytest.mark.parametrize("q", ["", " ", "a"])
def test_a_lookup_shorter_than_two_characters_is_422(cashier, q):
    body = error_of(get(cashier.client(), "/cards/lookup", q=q), 422)

    assert body["code"] == "query_too_short" and [f["field"] for f in body["details"]["fields"]] == ["q"]


def test_a_lookup_without_q_is_422_validation_error(cashier):
    body = error_of(cashier.client().get("/api/v1/cards/lookup"), 422)

    assert body["code"] == "validation_error"
    assert body["details"]["fields"] == [{"field": "q", "problem": "Field required"}]


# -- a card --------------------------------------------------------------------------------------------------------


def test_a_card_is_read_by_its_number(cashier, program):
    card = a_card(program)

    response = get(cashier.client(), f"/cards/{card.number}")

    assert response.status_code == 200
    assert response.json() == {
        "number": card.number,
        "qr": card.qr_payload,
        "program_id": str(program.pk),
        "customer": {"id": str(card.customer_id), "name": "Olena Kovalenko"},
        "stamps": 0,
        "goal": program.goal,
        "milestones": [{"at": program.goal, "kind": "award", "title": program.reward_title, "reached": False}],
        "lifetime_stamps": 0,
        "rewards_ready": [],
        "vouchers": [],
        "urls": {"self": response.json()["urls"]["self"]},
    }
    assert response.json()["urls"]["self"].endswith(f"/api/v1/cards/{card.number}")


def test_a_card_is_read_by_its_qr_payload_too(cashier, program):
    card = a_card(program)

    assert get(cashier.client(), f"/cards/{card.qr_payload}").json()["number"] == card.number


def test_a_card_shows_its_stamps_and_the_rewards_ready(cashier, merchant):
    card = a_card(ProgramFactory(merchant=merchant, goal=2, reward_title="Free croissant"))
    for _ in range(5):
        post(cashier.client(), "/checkouts", checkout_body(card))

    body = get(cashier.client(), f"/cards/{card.number}").json()

    assert (body["stamps"], body["lifetime_stamps"], body["goal"]) == (1, 5, 2)
    assert [(r["title"], r["state"], r["kind"]) for r in body["rewards_ready"]] == [
        ("Free croissant", "ready", "award")
    ] * 2


@pytest.mark.parametrize("number", ["000000", "123", "abcdef", "SC1:" + "0" * 26])
def test_an_unknown_card_is_404_card_not_found(cashier, program, number):
    a_card(program, number="654321")

    body = error_of(get(cashier.client(), f"/cards/{number}"), 404)

    assert body["code"] == "card_not_found" and body["details"] == {}
