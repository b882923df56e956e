"""Every main panel page in a real browser, in English and Ukrainian, at phone and desktop width.

Each page must answer, speak the staff member's language and fit a phone's width. With SCREENSHOTS_DIR set
(`make screenshots` sets var/screenshots) every page is also saved as a PNG, for people to look at.
"""

import os
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.merchants.models import Role
from stampcard.panel.navigation import MENU
from tests.browser import chromium, fits_the_screen
from tests.panel.objects import shop_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def main_pages() -> list[tuple[str, str]]:
    pages = []
    for entry in MENU:
        try:
            pages.append((entry.url_name.split(":")[1], reverse(entry.url_name)))
        except NoReverseMatch:  # a part of the panel not built yet
            continue
    return pages


def form_pages(shop) -> list[tuple[str, str]]:
    """The pages behind the menu where a merchant spends time: the designer's steps and the forms."""
    program = {"program_id": shop.program.pk}
    pages = [(f"designer-{step}", reverse(f"panel:program-{step}", kwargs=program)) for step in DESIGNER_STEPS]
    pages += [(name.replace("reward-", ""), reverse(f"panel:{name}")) for name in FORM_PAGES]
    pages += [("customer", reverse("panel:customer", kwargs={"customer_id": shop.card.customer_id}))]
    return pages


DESIGNER_STEPS = ("look", "earning", "goals", "stamping", "selfservice", "review", "versions")
FORM_PAGES = (
    "program-new",
    "reward-lottery-new",
    "reward-voucher-new",
    "reward-batch-new",
    "printout-insert-new",
    "printout-inserts",
    "key-new",
    "location-new",
    "staff-invite",
    "account",
    "account-security",
)
SIGNED_OUT_PAGES = (("signup", "/signup/"), ("password-reset", "/password-reset/"))


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_main_pages_speak_the_language_and_fit_the_screen(browser, live_server, language, width):
    shop = shop_create("Blue Cup")
    checkouts_services.checkout_commit(
        actor=shop.staff[Role.CASHIER].actor(),
        card_ref=shop.card.number,
        check=CheckInput(external_id="R-1", total=12000, currency="UAH"),
    )
    owner = shop.staff[Role.OWNER].membership.user
    context = browser.new_context(
        viewport=VIEWPORTS[width], locale=language, extra_http_headers={"Accept-Language": language}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()

    for name, path in SIGNED_OUT_PAGES:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == language, path
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")
    page.goto(live_server.url + "/login/")
    assert page.locator("html").get_attribute("lang") == language
    _shot(page, f"login-{language}-{width}")
    page.locator("input[name=username]").fill(owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit].button-primary").click()
    page.wait_for_url("**/panel/")

    for name, path in main_pages() + form_pages(shop):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert page.locator("html").get_attribute("lang") == language, path
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")
    context.close()


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_analytics_draws_its_charts(browser, live_server, language, width):
    from datetime import timedelta

    from stampcard.analytics import rollups
    from stampcard.core import clock
    from tests.factories import CardFactory

    shop = shop_create("Blue Cup")
    cashier = shop.staff[Role.CASHIER].actor()
    for i in range(6):
        card = shop.card if i % 2 else CardFactory(program=shop.program)
        checkouts_services.checkout_commit(
            actor=cashier, card_ref=card.number, check=CheckInput(external_id=f"A-{i}", total=12000, currency="UAH")
        )
    rollups.rollups_refresh(now=clock.now() + timedelta(minutes=2))
    owner = shop.staff[Role.OWNER].membership.user
    context = browser.new_context(
        viewport=VIEWPORTS[width], locale=language, extra_http_headers={"Accept-Language": language}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill(owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit].button-primary").click()
    page.wait_for_url("**/panel/")

    page.goto(live_server.url + reverse("panel:analytics"))

    for chart in ("days", "hours", "progress"):
        canvas = page.locator(f"canvas[data-chart={chart}]")
        canvas.wait_for()
        # Chart.js marks the canvas it drew on; a drawn canvas has coloured pixels, a blank one none.
        painted = canvas.evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
        )
        assert painted > 500, (chart, painted)
    assert page.locator("[data-figure=visits] .value").inner_text() == "6"
    if width == "phone":
        assert fits_the_screen(page)
    _shot(page, f"analytics-filled-{language}-{width}")
    context.close()
