"""A manager's walk through the second half of the panel in a real browser (Debian Chromium driven by Playwright):
customers -> the duplicates the panel suggests -> merge -> the journal -> the customer view of an event -> analytics
(and its CSV) -> the CSV exports of customers and the journal. Each step checks what the page shows against what the
database holds.
"""

import csv
import io
from datetime import timedelta

import pytest

from stampcard.analytics import rollups
from stampcard.cards import services as cards_services
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.customers.models import Customer
from stampcard.merchants.models import Role
from tests.browser import chromium
from tests.factories import CustomerFactory
from tests.panel.objects import shop_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def shop():
    shop = shop_create("Blue Cup")
    shop.program.goal = 8
    shop.program.save()
    return shop


def _customer_with_stamps(shop, *, name: str, email: str, stamps: int, ref: str) -> Card:
    customer = CustomerFactory(merchant=shop.merchant, name=name, email=email)
    card = cards_services.card_create(customer=customer, program=shop.program)
    cashier = shop.staff[Role.CASHIER].actor()
    for n in range(stamps):
        checkouts_services.checkout_commit(
            actor=cashier,
            card_ref=card.number,
            check=CheckInput(external_id=f"{ref}-{n}", total=12000, currency="UAH"),
            location_id=str(shop.location.pk),
        )
    card.refresh_from_db()
    return card


def _csv_rows(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8-sig") as handle:
        return list(csv.reader(io.StringIO(handle.read())))


def test_a_manager_merges_duplicates_reads_the_journal_and_the_customer_view_and_exports(live_server, shop):
    first = _customer_with_stamps(shop, name="Olena Kovalenko", email="olena.k@example.com", stamps=3, ref="A")
    second = _customer_with_stamps(shop, name="Olena Kovalenko", email="Olena.K@example.com ", stamps=2, ref="B")
    manager = shop.staff[Role.MANAGER].membership.user

    with chromium() as browser:
        context = browser.new_context(
            viewport=DESKTOP, locale="en-GB", accept_downloads=True, extra_http_headers={"Accept-Language": "en"}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(live_server.url + "/login/")
        page.locator("input[name=username]").fill(manager.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit].button-primary").click()
        page.wait_for_url("**/panel/")

        # Customers: both Olenas are listed; the panel suggests them as one likely person.
        page.goto(live_server.url + "/panel/customers/")
        table = page.get_by_test_id("customers")
        assert table.get_by_text("Olena Kovalenko").count() == 2
        page.get_by_test_id("duplicates-link").click()
        group = page.get_by_test_id("duplicate-group").filter(has_text="Olena Kovalenko")
        assert group.count() == 1
        group.get_by_test_id("compare").first.click()

        # Merge: the preview says what the result holds; confirming leaves one customer with every stamp.
        result = page.get_by_test_id("merge-result")
        result.wait_for()
        page.get_by_test_id("confirm-merge").click()
        page.wait_for_url("**/panel/customers/*/")
        survivor = Customer.objects.get(merchant=shop.merchant, name="Olena Kovalenko", merged_into__isnull=True)
        [card] = Card.objects.filter(customer=survivor, merged_into__isnull=True)
        assert card.stamps == first.stamps + second.stamps == 5
        assert page.get_by_test_id(f"card-{card.number}").get_by_text("5 of 8", exact=False).count() >= 1

        # The journal: the merge is there, on the surviving card, with the manager who did it.
        page.goto(live_server.url + "/panel/journal/")
        merged_row = page.get_by_test_id("journal").locator("tr", has_text="Duplicate card merged in").first
        merged_row.wait_for()
        assert "Olena Kovalenko" in merged_row.inner_text()

        # The customer view of that line: the card as its holder saw it right after the merge (5 stamps) ...
        merged_row.get_by_role("link", name="Customer view").click()
        page.get_by_test_id("snapshot").wait_for()
        assert page.get_by_test_id("stamps").inner_text() == "5 of 8 stamps"
        # ... and of an earlier stamp, as it was then.
        page.goto(live_server.url + "/panel/journal/?kind=stamp")
        oldest_stamp = page.get_by_test_id("journal").locator("tr[data-event]").last
        oldest_stamp.get_by_role("link", name="Customer view").click()
        page.get_by_test_id("snapshot").wait_for()
        assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"

        # Analytics, from the rollups the worker keeps (refreshed here as its periodic task would): this week's
        # visits and stamps are the five checks, also in the figures table's CSV.
        rollups.rollups_refresh(now=clock.now() + timedelta(minutes=2))
        page.goto(live_server.url + "/panel/analytics/?period=week")
        assert page.locator("[data-figure=visits] .value").inner_text() == "5"
        assert page.locator("[data-figure=stamps] .value").inner_text() == "5"
        with page.expect_download() as figures_csv:
            page.get_by_test_id("analytics-figures").get_by_role("link", name="Download CSV").click()
        figures = {row[0]: row[1:] for row in _csv_rows(figures_csv.value) if row}
        assert figures["Visits"][0] == "5", figures

        # The exports: the customer list holds the survivor once with all five stamps; the journal holds the merge.
        page.goto(live_server.url + "/panel/customers/")
        with page.expect_download() as customers_csv:
            page.get_by_test_id("export-csv").click()
        rows = _csv_rows(customers_csv.value)
        olenas = [row for row in rows[1:] if "Olena Kovalenko" in row]
        assert len(olenas) == 1 and "5" in olenas[0], rows
        page.goto(live_server.url + "/panel/journal/")
        with page.expect_download() as journal_csv:
            page.get_by_test_id("export-csv").click()
        journal_rows = _csv_rows(journal_csv.value)
        assert any("Duplicate card merged in" in cell for row in journal_rows for cell in row), journal_rows[:5]
        context.close()

    assert card.events.filter(kind=EventKind.MERGED_IN).count() == 1
