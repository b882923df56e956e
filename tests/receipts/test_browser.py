"""A customer scans a receipt's QR on a phone, in a real browser (Debian Chromium driven by Playwright)."""

import pytest

from stampcard.cards import links
from stampcard.public.remember import COOKIE_NAME
from stampcard.receipts.presenters import claim_path
from tests.browser import chromium, fits_the_screen, phone_page
from tests.conftest import reload
from tests.factories import CardFactory
from tests.public.conftest import ANDROID_UA, IPHONE_UA, join_in_the_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_a_new_customer_joins_from_the_receipt_and_lands_on_the_card_with_the_stamps(
    browser, live_server, program, print_claim
):
    created = print_claim()
    page = phone_page(browser, user_agent=IPHONE_UA, language="en")
    page.goto(live_server.url + claim_path(created.token))
    assert page.get_by_test_id("receipt-stamps").inner_text() == "This receipt gives you 1 stamp."
    assert fits_the_screen(page)

    card = join_in_the_browser(page, live_server, program, button="Get my card and stamps")

    assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"
    assert page.locator("[data-wallet=apple]").is_visible()
    assert COOKIE_NAME in {cookie["name"] for cookie in page.context.cookies()}
    assert reload(created.claim).card == card
    assert fits_the_screen(page)
    page.context.close()


def test_a_phone_holding_the_card_gets_the_stamps_at_once(browser, live_server, program, print_claim):
    card = CardFactory(program=program, stamps=3)
    created = print_claim()
    page = phone_page(browser, user_agent=ANDROID_UA, language="en")
    page.goto(live_server.url + links.web_card_path(card))  # the customer opened their card on this phone before
    assert page.get_by_test_id("stamps").inner_text() == "3 of 8 stamps"

    page.goto(live_server.url + claim_path(created.token))
    page.wait_for_url("**?done=1")  # no tap: the page collected by itself

    assert page.get_by_test_id("stamps").inner_text() == "4 of 8 stamps"
    assert page.get_by_role("status").inner_text() == "Done: 1 stamp added to your card!"
    assert reload(card).stamps == 4
    assert fits_the_screen(page)
    page.get_by_role("link", name="Open my card").click()
    page.wait_for_url("**/c/**")
    assert page.get_by_test_id("stamps").inner_text() == "4 of 8 stamps"
    page.context.close()


def test_without_javascript_the_button_collects(browser, live_server, program, print_claim):
    card = CardFactory(program=program)
    created = print_claim()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + links.web_card_path(card))

    page.goto(live_server.url + claim_path(created.token))
    assert reload(card).stamps == 0  # nothing until the customer taps
    page.get_by_role("button", name="Collect 1 stamp").click()
    page.wait_for_url("**?done=1")

    assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"
    context.close()
