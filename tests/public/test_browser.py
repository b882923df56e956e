"""A customer joins from the join page on a phone, in a real browser (Debian Chromium driven by Playwright)."""

import os
from pathlib import Path

import pytest

from stampcard.cards import links
from stampcard.cards.models import Card
from tests.browser import chromium, fits_the_screen, phone_page
from tests.public.conftest import ANDROID_UA, IPHONE_UA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_an_iphone_joins_and_gets_the_apple_wallet_button(browser, live_server, program):
    page = phone_page(browser, user_agent=IPHONE_UA, language="en")
    page.goto(live_server.url + links.join_path(program))
    assert fits_the_screen(page)

    page.get_by_label("Your name").fill("Olena Kovalenko")
    page.get_by_label("Email (optional)").fill("olena@example.com")
    page.get_by_role("button", name="Get my card").click()
    page.get_by_text("Accept the terms to get your card.").wait_for()  # the error sits next to the checkbox
    assert not Card.objects.exists()
    page.locator("input[name=terms]").check()
    page.get_by_role("button", name="Get my card").click()
    page.wait_for_url("**/c/**")

    card = Card.objects.get(program=program)
    assert page.url.startswith(live_server.url + links.web_card_path(card))
    assert page.get_by_test_id("card-number").inner_text() == card.number
    assert page.get_by_test_id("stamps").inner_text() == "0 of 8 stamps"
    assert page.locator("[data-wallet=apple]").is_visible()
    assert page.locator("[data-wallet=google]").count() == 0
    assert page.locator("svg.segno").is_visible()
    assert fits_the_screen(page)
    assert card.customer.email == "olena@example.com" and card.customer.terms_accepted_at is not None
    page.context.close()


def test_an_android_phone_joins_in_ukrainian_and_gets_the_google_wallet_button(browser, live_server, program):
    page = phone_page(browser, user_agent=ANDROID_UA, language="uk")
    page.goto(live_server.url + links.join_path(program))
    assert page.locator("html").get_attribute("lang") == "uk"

    page.get_by_label("Ваше ім'я").fill("Олена Коваленко")
    page.locator("input[name=terms]").check()
    page.get_by_role("button", name="Отримати картку").click()
    page.wait_for_url("**/c/**")

    card = Card.objects.get(program=program)
    assert card.customer.name == "Олена Коваленко"
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.get_by_test_id("card-number").inner_text() == card.number
    assert page.locator("[data-wallet=google]").is_visible()
    assert page.locator("[data-wallet=apple]").count() == 0
    assert fits_the_screen(page)
    page.context.close()


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_customer_who_joined_in_ukrainian_switches_their_card_to_english(browser, live_server, program):
    page = phone_page(browser, user_agent=IPHONE_UA, language="uk")
    page.goto(live_server.url + links.join_path(program))
    page.get_by_label("Ваше ім'я").fill("Олена Коваленко")
    page.locator("input[name=terms]").check()
    page.get_by_role("button", name="Отримати картку").click()
    page.wait_for_url("**/c/**")
    card = Card.objects.select_related("customer").get(program=program)
    assert card.customer.language == "uk"
    switch = page.get_by_test_id("languages")
    assert switch.get_by_role("button", name="Українська").get_attribute("aria-pressed") == "true"
    assert fits_the_screen(page)
    _shot(page, "web-card-language-uk-phone")

    switch.get_by_role("button", name="English").click()
    page.get_by_test_id("stamps").filter(has_text="0 of 8 stamps").wait_for()

    assert page.locator("html").get_attribute("lang") == "en"
    assert (
        page.get_by_test_id("languages").get_by_role("button", name="English").get_attribute("aria-pressed") == "true"
    )
    card.customer.refresh_from_db()
    assert card.customer.language == "en"
    assert fits_the_screen(page)
    _shot(page, "web-card-language-en-phone")
    page.context.close()
