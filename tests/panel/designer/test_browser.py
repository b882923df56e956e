"""A manager designs a card with two milestones in a real browser (Debian Chromium driven by Playwright) and sees
the preview follow the form before anything is saved."""

import re

import pytest
from playwright.sync_api import expect

from stampcard.cards.models import Program
from stampcard.merchants.models import Role
from tests.browser import chromium, fits_the_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/panel/")


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}])
def test_a_manager_designs_a_card_with_two_milestones_and_watches_the_preview(browser, live_server, shop, viewport):
    context = browser.new_context(viewport=viewport, locale="en")
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server.url, shop.staff[Role.MANAGER].membership.user.email)
    program = shop.program
    page.goto(f"{live_server.url}/panel/programs/{program.pk}/goals/")
    web = page.locator("[data-testid=preview-web]")
    assert web.locator("li.milestone").count() == 1

    # Two milestones: a cookie at 4, a voucher at 8. The preview follows each change before anything is saved.
    page.fill("input[name=milestones-0-at]", "4")
    page.fill("input[name=milestones-0-title]", "Free cookie")
    page.click("[data-milestone-add]")
    page.fill("input[name=milestones-1-at]", "8")
    page.select_option("select[name=milestones-1-kind]", "voucher")
    assert page.locator("input[name=milestones-1-validity_days]").is_visible()
    assert not page.locator("select[name=milestones-1-lottery]").is_visible()
    page.fill("input[name=milestones-1-title]", "Free coffee")
    page.fill("input[name=milestones-1-validity_days]", "30")
    # Playwright's expect polls from Python: wait_for_function would evaluate strings, which the CSP refuses.
    expect(page.locator("[data-testid=preview-web] li.milestone")).to_have_count(2)
    apple = page.locator("[data-preview-image=apple]")
    assert "marks=4%2C8" in (apple.get_attribute("src") or "")

    # The stamp slider redraws the wallets' pictures at another count.
    before = apple.get_attribute("src")
    page.locator("[data-preview-stamps]").fill("6")
    expect(page.locator("[data-preview-image=apple]")).to_have_attribute("src", re.compile(r"stamps=6"))
    assert page.locator("[data-preview-image=apple]").get_attribute("src") != before
    assert re.search(r"6 of 8 stamps", web.inner_text())
    google = page.locator("[data-preview-image=google]")  # the hero the Google pass would show, for this count
    expect(google).to_have_attribute("src", re.compile(r"stamps=6"))
    expect(google).to_have_js_property("complete", True)
    assert google.evaluate("image => image.naturalWidth") > 0
    assert fits_the_screen(page)
    assert Program.objects.get(pk=program.pk).version == 1  # previewing saved nothing

    page.click("form[data-milestones] .form-actions button[type=submit]")
    page.wait_for_url(re.compile(r".*/stamping/$"))
    saved = Program.objects.get(pk=program.pk)
    assert [(m["at"], m["title"]) for m in saved.milestones] == [(4, "Free cookie"), (8, "Free coffee")]
    assert saved.milestones[1]["voucher"] == {"validity": {"days": 30}} and saved.version == 2
    context.close()


def test_a_hard_to_read_colour_is_warned_about_as_it_is_picked(browser, live_server, shop):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en")
    page = context.new_page()
    sign_in(page, live_server.url, shop.staff[Role.MANAGER].membership.user.email)
    page.goto(f"{live_server.url}/panel/programs/{shop.program.pk}/look/")
    warning = page.locator("[data-contrast-warning]")
    assert warning.is_hidden()

    page.locator("input[name=foreground_color]").fill("#2b3646")

    warning.wait_for(state="visible")
    assert "contrast" in warning.inner_text()
    page.wait_for_selector("[data-testid=contrast-warning]")  # the preview says so too, from the server
    context.close()
