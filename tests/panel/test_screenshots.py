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


def _webhook_with_history(shop):
    """An endpoint with a delivered event, a retried one and a failed one, each with its attempts."""
    import uuid
    from datetime import timedelta

    from stampcard.campaigns.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
    from stampcard.core import clock

    endpoint = WebhookEndpoint(
        merchant=shop.merchant,
        url="https://crm.example.com/stampcard/webhooks",
        description="CRM sync",
        events=["stamp.added", "goal.reached", "reward.issued", "voucher.redeemed"],
    )
    endpoint.secret = "whsec_3qv2nLr0Zx9YfK7mT1aPbE5sWc8uHd4gJ6oRiN0yQeA"
    endpoint.save()
    now = clock.now()
    for n, (event, state, codes) in enumerate(
        [("stamp.added", "delivered", [200]), ("goal.reached", "pending", [500, 502]), ("ping", "failed", [None] * 3)]
    ):
        delivery = WebhookDelivery.objects.create(
            merchant=shop.merchant,
            endpoint=endpoint,
            event=event,
            event_key=f"shot:{n}",
            event_id=uuid.uuid4(),
            body="{}",
            window_started_at=now,
            state=state,
            attempts=len(codes),
            next_attempt_at=now + timedelta(minutes=5) if state == "pending" else None,
        )
        for number, code in enumerate(codes, start=1):
            WebhookAttempt.objects.create(
                delivery=delivery,
                number=number,
                started_at=now - timedelta(minutes=10 * (len(codes) - number)),
                duration_ms=180 if code else 10000,
                status_code=code,
                error="" if code else "timeout: no answer within 10 s",
            )
    return endpoint


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_webhook_pages_speak_the_language_and_fit_the_screen(browser, live_server, language, width):
    shop = shop_create("Blue Cup")
    endpoint = _webhook_with_history(shop)
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

    pages = [
        ("webhooks", reverse("panel:integration-webhooks")),
        ("webhook-new", reverse("panel:integration-webhook-new")),
        ("webhook", reverse("panel:integration-webhook", args=[endpoint.pk])),
    ]
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert page.locator("html").get_attribute("lang") == language, path
        if name == "webhook":
            page.locator("[data-testid=deliveries] details").first.evaluate("(d) => d.open = true")
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")
    context.close()
