"""The customer list: search, filters, keyset pages, masked contacts, a fixed number of queries."""

from datetime import timedelta

import pytest

from stampcard.cards import directory
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.core import clock
from stampcard.customers.masking import mask_contact, mask_email, mask_phone
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.wallet.apple.models import AppleRegistration
from stampcard.wallet.apple.services import apple_pass_ensure
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def visited(card: Card, *, minutes_ago: int, location=None) -> Card:
    """Record a visit that earned a stamp ``minutes_ago`` (a ledger line and the card's last stamp)."""
    at = clock.now() - timedelta(minutes=minutes_ago)
    CardEvent.objects.create(
        merchant=card.merchant,
        card=card,
        kind=EventKind.STAMP,
        delta=1,
        stamps_after=card.stamps + 1,
        channel=Channel.API,
        location=location,
    )
    Card.objects.filter(pk=card.pk).update(stamps=card.stamps + 1, last_stamp_at=at)
    card.refresh_from_db()
    return card


def numbers(response) -> list[str]:
    return [row["card"].number for row in response.context["rows"]]


def test_the_list_shows_name_masked_contact_card_progress_and_visits(shop, manager_client):
    customer = CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko", email="olena.k@example.com")
    card = visited(CardFactory(program=shop.program, customer=customer), minutes_ago=5)

    response = manager_client.get("/panel/customers/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Olena Kovalenko" in html
    assert "ol•••@example.com" in html
    assert "olena.k@example.com" not in html
    assert card.number in html
    [row] = [row for row in response.context["rows"] if row["card"] == card]
    assert row["visits"] == 1
    assert row["goal"] == shop.program.goal


def test_the_newest_visit_comes_first(shop, manager_client):
    old = visited(CardFactory(program=shop.program), minutes_ago=60)
    new = visited(CardFactory(program=shop.program), minutes_ago=1)
    Card.objects.filter(pk=shop.card.pk).update(created_at=clock.now() - timedelta(days=2))

    # A card never stamped counts from its creation.
    assert numbers(manager_client.get("/panel/customers/")) == [new.number, old.number, shop.card.number]


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("olena", True),
        ("KOVALENKO olena", True),
        ("olena@example.com", True),
        ("+380501234567", True),
        ("1234567", True),
        ("taras", False),
    ],
)
def test_search_finds_a_customer_by_name_email_phone(shop, manager_client, query, matches):
    customer = CustomerFactory(
        merchant=shop.merchant, name="Olena Kovalenko", email="olena@example.com", phone="+380501234567"
    )
    card = CardFactory(program=shop.program, customer=customer)

    found = numbers(manager_client.get("/panel/customers/", {"q": query}))

    assert (card.number in found) is matches


def test_search_finds_a_card_by_its_number(shop, manager_client):
    card = CardFactory(program=shop.program)

    assert numbers(manager_client.get("/panel/customers/", {"q": card.number})) == [card.number]


def test_filters_narrow_by_program_location_and_consent(shop, manager_client):
    other_program = ProgramFactory(merchant=shop.merchant, is_default=False)
    elsewhere = LocationFactory(merchant=shop.merchant)
    here = visited(CardFactory(program=shop.program), minutes_ago=3, location=shop.location)
    there = visited(CardFactory(program=other_program), minutes_ago=2, location=elsewhere)
    consenting = CardFactory(
        program=shop.program, customer=CustomerFactory(merchant=shop.merchant, marketing_email_consent=True)
    )

    by_program = numbers(manager_client.get("/panel/customers/", {"program": other_program.pk}))
    by_location = numbers(manager_client.get("/panel/customers/", {"location": shop.location.pk}))
    by_consent = numbers(manager_client.get("/panel/customers/", {"consent": "yes"}))

    assert by_program == [there.number]
    assert by_location == [here.number]
    assert by_consent == [consenting.number]


def test_another_merchants_customers_never_show(shop, other_shop, manager_client):
    response = manager_client.get("/panel/customers/", {"q": other_shop.card.number})

    assert numbers(response) == []
    assert other_shop.card.number not in numbers(manager_client.get("/panel/customers/"))


def test_pages_follow_a_keyset_and_cover_every_card_once(shop, manager_client):
    # Several cards share one last-visit moment: the id breaks the tie, so none is skipped or repeated.
    moment = clock.now() - timedelta(hours=1)
    for _ in range(7):
        Card.objects.filter(pk=CardFactory(program=shop.program).pk).update(last_stamp_at=moment)
    expected = set(Card.objects.filter(merchant=shop.merchant).values_list("number", flat=True))

    seen: list[str] = []
    cursor = None
    while True:
        page = directory.directory_page(
            merchant=shop.merchant, filters=directory.DirectoryFilters(), cursor=cursor, size=3
        )
        seen += [card.number for card in page.cards]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


def test_the_next_page_link_leads_to_the_following_cards(shop, manager_client):
    for minutes in range(30):
        visited(CardFactory(program=shop.program), minutes_ago=minutes + 1)
    first = manager_client.get("/panel/customers/")
    assert len(numbers(first)) == directory.PAGE_SIZE

    second = manager_client.get("/panel/customers/?" + first.context["next_query"])

    assert set(numbers(second)).isdisjoint(numbers(first))
    assert len(numbers(first)) + len(numbers(second)) == Card.objects.filter(merchant=shop.merchant).count()


def test_a_forged_cursor_starts_from_the_top_instead_of_failing(shop, manager_client):
    response = manager_client.get("/panel/customers/", {"after": "not-a-cursor"})

    assert response.status_code == 200
    assert shop.card.number in numbers(response)


def test_the_list_costs_the_same_queries_for_one_row_or_a_full_page(
    shop, manager_client, django_assert_max_num_queries
):
    visited(shop.card, minutes_ago=1, location=shop.location)
    with django_assert_max_num_queries(14) as one_row:
        manager_client.get("/panel/customers/")
    for minutes in range(directory.PAGE_SIZE + 3):
        card = CardFactory(
            program=ProgramFactory(merchant=shop.merchant, is_default=False) if minutes % 5 == 0 else shop.program
        )
        visited(card, minutes_ago=minutes + 2, location=shop.location)

    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = manager_client.get("/panel/customers/", {"location": shop.location.pk})

    assert len(response.context["rows"]) == directory.PAGE_SIZE


def test_a_cashier_cannot_open_the_list(shop, cashier_client):
    assert cashier_client.get("/panel/customers/").status_code == 403


def test_the_menu_shows_customers_to_a_manager_not_to_a_cashier(shop, manager_client, cashier_client):
    assert 'href="/panel/customers/"' in manager_client.get("/panel/").content.decode()
    assert 'href="/panel/customers/"' not in cashier_client.get("/panel/").content.decode()


def test_the_masks_keep_enough_to_tell_people_apart():
    assert mask_email("olena.k@example.com") == "ol•••@example.com"
    assert mask_phone("+380501234567") == "+380•••4567"
    assert mask_contact(email="", phone="+380501234567") == "+380•••4567"
    assert mask_contact(email="", phone="") == ""
    assert Role.MANAGER  # the list's minimum role


def test_the_wallet_filter_finds_cards_on_an_apple_device(shop, manager_client):
    on_phone = CardFactory(program=shop.program)
    AppleRegistration.objects.create(
        apple_pass=apple_pass_ensure(card=on_phone), device_library_identifier="device-1", push_token="token-1"
    )
    downloaded_only = CardFactory(program=shop.program)
    apple_pass_ensure(card=downloaded_only)

    on_apple = numbers(manager_client.get("/panel/customers/", {"wallet": "apple"}))
    in_none = numbers(manager_client.get("/panel/customers/", {"wallet": "none"}))

    assert on_apple == [on_phone.number]
    assert on_phone.number not in in_none
    assert {downloaded_only.number, shop.card.number} <= set(in_none)
