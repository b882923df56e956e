"""Every main panel page in a real browser, in English and Ukrainian, at phone and desktop width.

Each page must answer, speak the staff member's language and fit a phone's width. With SCREENSHOTS_DIR set
(`make screenshots` sets var/screenshots) every page is also saved as a PNG, for people to look at.
"""

import os
from datetime import date
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.merchants.models import Role
from stampcard.panel.navigation import MENU
from stampcard.scanner.models import AlertKind, ScannerDevice
from tests.browser import chromium, fits_the_screen
from tests.factories import CardFactory
from tests.panel.alerts.makers import abuse_alert_create
from tests.panel.objects import shop_create
from tests.panel.referrals.makers import referral_flag_create

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
    pages += [("abuse-alerts-reviewed", reverse("panel:abuse-alerts") + "?state=reviewed")]
    return pages


def merge_pages(shop) -> list[tuple[str, str]]:
    """The merge of duplicates: the suggestions and the preview of two same-named customers with stamps each."""
    from stampcard.customers.models import Customer
    from tests.factories import CardFactory, CustomerFactory

    first = Customer.objects.get(pk=shop.card.customer_id)
    Customer.objects.filter(pk=first.pk).update(
        name="Olena Kovalenko", name_folded="olena kovalenko", email="olena@example.com"
    )
    twin = CustomerFactory(merchant=shop.merchant, name="Olena Kovalenko", phone="+380501234567")
    card = CardFactory(program=shop.program, customer=twin)
    for n in range(3):
        checkouts_services.checkout_commit(
            actor=shop.staff[Role.CASHIER].actor(),
            card_ref=card.number,
            check=CheckInput(external_id=f"T-{n}", total=12000, currency="UAH"),
        )
    return [
        ("customer-duplicates", reverse("panel:customer-duplicates")),
        ("customer-merge", reverse("panel:customer-merge", kwargs={"customer_id": first.pk})),
        (
            "customer-merge-preview",
            reverse("panel:customer-merge-preview", kwargs={"customer_id": first.pk, "other_id": twin.pk}),
        ),
    ]


DESIGNER_STEPS = ("look", "earning", "goals", "stamping", "selfservice", "referral", "review", "versions")
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


def _suspicious_activity(shop) -> None:
    """Two open alerts (dashboard box, review page) and a reviewed one (the history)."""
    device = ScannerDevice.objects.create(
        merchant=shop.merchant,
        location=shop.location,
        name="Kiosk by the door",
        mode="kiosk",
        paired_by=shop.staff[Role.MANAGER].membership,
        token_hash="0" * 64,
    )
    abuse_alert_create(shop, day=date(2027, 1, 15))
    abuse_alert_create(
        shop,
        card=CardFactory(program=shop.program),
        kind=AlertKind.REPEATED_REFUSALS,
        device=device,
        details={"refusals": 6, "threshold": 5, "codes": {"daily_cap": 4, "visit_window": 2}},
    )
    abuse_alert_create(
        shop,
        day=date(2027, 1, 10),
        reviewed_at=clock.now(),
        reviewed_by=shop.staff[Role.MANAGER].membership.user,
    )
    referral_flag_create(shop)


def _signed_in_as_owner(browser, live_server, shop, *, language: str, width: str):
    """A new browser context in ``language`` at ``width``, signed in to the panel as the shop's owner."""
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
    return context, page


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
    _suspicious_activity(shop)
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

    for name, path in main_pages() + form_pages(shop) + merge_pages(shop):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert page.locator("html").get_attribute("lang") == language, path
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")
    context.close()


IMPORT_FILE = (
    "Ім'я;Електронна пошта;Телефон;Дата народження;Штампи\n"
    "Олена Коваленко;olena@example.com;+380501234567;04.05.1990;3\n"
    "Петро;petro@example;;;1\n"
    "Іван Сірко;;050 765 43 21;1985-01-02;-2\n"
    "Марія;maria@example.com;;31.02.1990;5\n"
    "Софія;sofiia@example.com;;;7\n"
)


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_import_pages_speak_the_language_and_fit_the_screen(browser, live_server, language, width):
    from stampcard.cards.imports import jobs as import_jobs

    shop = shop_create("Blue Cup")
    manager = shop.staff[Role.MANAGER]
    draft = import_jobs.import_job_create(
        actor=manager.actor(), program_id=shop.program.pk, file_name="old-system.csv", data=IMPORT_FILE.encode()
    )
    running = import_jobs.import_job_create(
        actor=manager.actor(), program_id=shop.program.pk, file_name="clients-2025.csv", data=IMPORT_FILE.encode()
    )
    import_jobs.import_start(job=running)
    import_jobs.import_job_run(job_id=running.pk, max_batches=1, batch_size=3)  # the worker is part-way
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)

    pages = [
        ("customers-import", reverse("panel:customers-import")),
        ("customers-import-mapping", reverse("panel:customers-import-job", args=[draft.pk])),
    ]
    for name, path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert page.locator("html").get_attribute("lang") == language, path
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")

    # The dry run: the mapping form as guessed, submitted.
    page.locator("[data-testid=import-mapping] button[type=submit]").click()
    page.wait_for_selector("[data-testid=import-report]")
    assert page.locator("[data-testid=import-rejected] tr[data-row]").count() == 3
    if width == "phone":
        assert fits_the_screen(page), "the dry-run report is wider than a phone"
    _shot(page, f"customers-import-report-{language}-{width}")

    response = page.goto(live_server.url + reverse("panel:customers-import-job", args=[running.pk]))
    assert response is not None and response.status < 400
    assert page.locator("[data-testid=import-progress]").get_attribute("data-state") == "running"
    if width == "phone":
        assert fits_the_screen(page), "the import progress is wider than a phone"
    _shot(page, f"customers-import-progress-{language}-{width}")
    # The worker finishes the job: the open page follows by itself (htmx polls the job's row), no reload.
    import_jobs.import_job_run(job_id=running.pk)
    page.wait_for_selector("[data-testid=import-progress][data-state=done]", timeout=10_000)
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
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)

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
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)

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
