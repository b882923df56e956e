"""Sign-up on a phone in a real browser (Debian Chromium driven by Playwright): the form fits the screen, the time
zone comes from the browser, and the new owner lands on the dashboard with the guided start."""

import pytest

from stampcard.merchants.models import Merchant, StaffUser
from tests.browser import chromium, fits_the_screen
from tests.panel.accounts.conftest import STRONG_PASSWORD
from tests.public.conftest import IPHONE_UA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_a_cafe_owner_signs_up_on_a_phone_and_lands_on_the_guided_start(browser, live_server, mailoutbox):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        user_agent=IPHONE_UA,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        timezone_id="Europe/Lisbon",
        extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + "/signup/")
    assert fits_the_screen(page)
    # The server guessed from the language (the US); the page's script took the browser's own zone.
    assert page.get_by_label("Time zone").input_value() == "Europe/Lisbon"
    assert page.get_by_label("Country").input_value() == "US"

    page.get_by_label("Business name").fill("Kava Tut")
    page.get_by_label("Type of business").select_option("cafe")
    page.get_by_label("Country").select_option("PT")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Your name").fill("Olena Kovalenko")
    page.get_by_label("Your email").fill("olena@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_text("This password is too short.").wait_for()  # the error sits under the field
    assert not Merchant.objects.exists()

    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/panel/")

    assert page.get_by_test_id("checklist").is_visible()
    assert page.get_by_test_id("verify-notice").is_visible()
    assert fits_the_screen(page)
    merchant = Merchant.objects.get()
    assert (merchant.name, merchant.country, merchant.currency, merchant.timezone) == (
        "Kava Tut",
        "PT",
        "EUR",
        "Europe/Lisbon",
    )
    owner = StaffUser.objects.get()
    assert not owner.is_staff and not owner.is_superuser
    assert [message.to for message in mailoutbox] == [["olena@example.com"]]
    context.close()
