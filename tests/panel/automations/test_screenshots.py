"""The automation pages in a real browser, in English and Ukrainian, at phone and desktop width: the list of a
card's automations (some on, one with a voucher) and the form of one, as set up and with an error to fix.

With SCREENSHOTS_DIR set every page is also saved as a PNG, for people to look at.
"""

import pytest
from django.urls import reverse

from stampcard.campaigns.automations import services
from stampcard.merchants.models import Role
from tests.browser import chromium, fits_the_screen
from tests.panel.objects import shop_create
from tests.panel.test_screenshots import _shot, _signed_in_as_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"subject": "Happy birthday from Blue Cup!", "text": "A slice of cake is waiting for you this week."},
    "uk": {"subject": "Blue Cup вітає з днем народження!", "text": "Цього тижня на вас чекає шматочок торта."},
}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _set_up(shop) -> None:
    actor = shop.staff[Role.OWNER].actor()
    program_id = shop.program.pk

    def change(kind: str, **fields) -> None:
        services.automation_update(
            actor=actor, program_id=program_id, kind=kind, changes=services.AutomationChanges(**fields)
        )

    change("birthday", is_enabled=True, days=3, parts=TEXTS, voucher_title="Birthday cake", voucher_days=14)
    change("win_back", is_enabled=True, days=45, parts=TEXTS)
    reminder = {
        "en": {"subject": "Your stamps expire in a week", "text": "Drop by this week to keep them."},
        "uk": {"subject": "Ваші штампи згорять за тиждень", "text": "Зайдіть цього тижня, щоб їх зберегти."},
    }
    change("stamp_expiry", days=180, reminder_days=7, parts=reminder)


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_automation_pages_speak_the_language_and_fit_the_screen(browser, live_server, language, width):
    shop = shop_create("Blue Cup")
    _set_up(shop)
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)
    pages = [
        ("automations", reverse("panel:automations-program", args=[shop.program.pk])),
        ("automation-birthday", reverse("panel:automation", args=[shop.program.pk, "birthday"])),
        ("automation-stamp-expiry", reverse("panel:automation", args=[shop.program.pk, "stamp_expiry"])),
    ]
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert page.locator("html").get_attribute("lang") == language, path
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")

    # A subject too long: the form says which field and what to fix.
    page.goto(live_server.url + pages[1][1])
    page.locator("#id_subject_uk").fill("Б" * 151)
    page.locator("[data-testid=automation-form] button[type=submit]").click()
    page.wait_for_selector(".field.has-error")
    assert page.locator(".field.has-error #id_subject_uk").count() == 1
    if width == "phone":
        assert fits_the_screen(page), "the form with an error is wider than a phone"
    _shot(page, f"automation-error-{language}-{width}")
    context.close()
