"""A customer scans a delivery insert on a phone, in a real browser (Debian Chromium driven by Playwright)."""

import pytest

from stampcard.cards import links
from stampcard.inserts.models import InsertClaim
from tests.browser import chromium, fits_the_screen, phone_page
from tests.factories import CardFactory
from tests.inserts.conftest import claim_path, inserts_of, make_batch
from tests.public.conftest import IPHONE_UA, join_in_the_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_a_new_customer_scans_an_insert_and_lands_on_the_card_with_the_stamp(browser, live_server, manager, program):
    first, second = inserts_of(make_batch(manager.actor(), count=2))[:2]
    page = phone_page(browser, user_agent=IPHONE_UA, language="en")

    page.goto(live_server.url + claim_path(first))
    assert page.get_by_test_id("benefit").inner_text() == "A free stamp"
    assert fits_the_screen(page)
    join_in_the_browser(page, live_server, program, button="Get my card and the gift")

    assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"
    assert page.get_by_text("Welcome! Your card is ready.").is_visible()
    assert fits_the_screen(page)
    assert InsertClaim.objects.get(insert=first).new_customer is True

    # The same phone scans a second insert of the batch: the page knows it, and tells it kindly, by itself.
    page.goto(live_server.url + claim_path(second))
    assert page.get_by_text("You already have this gift").is_visible()
    assert not InsertClaim.objects.filter(insert=second).exists()
    page.context.close()


def test_a_phone_holding_the_card_collects_without_a_tap(browser, live_server, manager, program):
    insert = inserts_of(make_batch(manager.actor(), count=1, stamps=2))[0]
    card = CardFactory(program=program, stamps=3)
    page = phone_page(browser, user_agent=IPHONE_UA, language="en")
    page.goto(live_server.url + links.web_card_path(card))  # opening the card remembers it on this phone

    page.goto(live_server.url + claim_path(insert))
    page.wait_for_url("**/c/**")

    assert page.get_by_test_id("stamps").inner_text() == "5 of 8 stamps"
    assert InsertClaim.objects.get(insert=insert).card == card
    page.context.close()
