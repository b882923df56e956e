"""A manager makes a batch of delivery inserts in the panel: the form shows the fields of the benefit picked, the
batch opens with its PDF, and the PDF downloads."""

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from stampcard.inserts.models import InsertBatch
from stampcard.merchants.models import Role
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.StaffUserFactory's


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_voucher_batch_made_in_the_panel_opens_with_its_pdf(live_server, shop):
    manager = shop.staff[Role.MANAGER].membership.user
    with chromium() as browser:
        context = browser.new_context(locale="en", extra_http_headers={"Accept-Language": "en"})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(live_server.url + "/login/")
        page.get_by_label("Email").fill(manager.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/panel/")

        page.goto(live_server.url + "/panel/printouts/")
        page.get_by_test_id("inserts-printout").get_by_role("link", name="New batch").click()
        stamps, title = page.get_by_label("Stamps per insert"), page.get_by_label("What it gives")
        page.wait_for_url("**/printouts/inserts/new/")
        page.wait_for_load_state()  # the form's script runs deferred
        expect(stamps).to_be_visible()  # stamps are the default benefit
        expect(title).to_be_hidden()
        page.get_by_label("Batch name").fill("Glovo — December")
        page.get_by_label("How many inserts").fill("13")
        page.get_by_label("A voucher in the card").check()
        expect(title).to_be_visible()
        expect(stamps).to_be_hidden()
        title.fill("Free cappuccino")
        page.get_by_role("spinbutton", name="Days").fill("14")
        _shot(page, "insert-batch-form")
        page.get_by_role("button", name="Make the inserts").click()
        page.get_by_text("13 inserts are ready to print.").wait_for()
        _shot(page, "insert-batch")

        batch = InsertBatch.objects.get()
        assert (batch.benefit_kind, batch.benefit_title, batch.voucher_validity) == (
            "voucher",
            "Free cappuccino",
            {"days": 14},
        )
        with page.expect_download() as download:
            page.get_by_test_id("batch-pdf").click()
        document = Path(download.value.path()).read_bytes()
        assert len(PdfReader(io.BytesIO(document)).pages) == 2
        page.goto(live_server.url + "/panel/printouts/inserts/")
        _shot(page, "insert-batches")
        context.close()
