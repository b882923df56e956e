"""The location form in a real browser, in English and Ukrainian, at phone and desktop width: the wallet pass fields
have visible labels and help, a refused paste says what to fix under its field, and the page fits a phone."""

import pytest
from django.urls import reverse

from tests.browser import fits_the_screen
from tests.panel.objects import shop_create
from tests.panel.test_screenshots import _shot, _signed_in_as_owner, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LABELS = {
    "en": ("Or paste both at once", "Show on wallet passes", "Lock screen text"),
    "uk": ("Або вставте обидва числа разом", "Показувати на картках у гаманцях", "Текст на екрані блокування"),
}
REFUSED = {"en": "No coordinates found", "uk": "Координат не знайдено"}


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_location_form_shows_the_pass_fields_and_says_what_to_fix(browser, live_server, language, width):  # noqa: F811
    shop = shop_create("Blue Cup")
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)
    page.goto(live_server.url + reverse("panel:location-edit", args=[shop.location.pk]))

    for label in LABELS[language]:
        assert page.get_by_label(label, exact=True).is_visible(), label
    assert page.locator("#id_relevant_text_help").is_visible()
    if width == "phone":
        assert fits_the_screen(page)
    _shot(page, f"location-form-{language}-{width}")

    page.get_by_label(LABELS[language][0], exact=True).fill("near the park")
    page.locator("form.form-page button[type=submit].button-primary").click()
    page.wait_for_load_state()

    error = page.locator("#id_coordinates_errors")
    assert error.is_visible() and REFUSED[language] in error.inner_text()
    if width == "phone":
        assert fits_the_screen(page)
    _shot(page, f"location-form-refused-{language}-{width}")

    page.get_by_label(LABELS[language][0], exact=True).fill("50.4501, 30.5234")
    page.locator("form.form-page button[type=submit].button-primary").click()
    page.wait_for_url("**/locations/")
    context.close()
