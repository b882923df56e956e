"""A manager creates an API key in the panel, copies it with the copy button and uses it against the API."""

import pytest

from stampcard.merchants.models import Role
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # tests.factories.StaffUserFactory's


def test_a_key_created_and_copied_in_the_panel_opens_the_api(live_server, shop):
    manager = shop.staff[Role.MANAGER].membership.user
    with chromium() as browser:
        context = browser.new_context(locale="en", extra_http_headers={"Accept-Language": "en"})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(live_server.url + "/login/")
        page.get_by_label("Email").fill(manager.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/panel/")

        page.goto(live_server.url + "/panel/keys/")
        page.get_by_role("link", name="New API key").click()
        page.get_by_label("Name").fill("Front till")
        page.get_by_role("button", name="Create key").click()
        # The copy button works once the deferred panel script ran: a click while the page still loads does nothing.
        page.wait_for_load_state()
        page.get_by_test_id("copy-key").click()
        page.get_by_text("Copied").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")

        assert copied.startswith("sc_")
        assert copied == page.get_by_test_id("raw-key").input_value()
        answer = context.request.get(
            live_server.url + "/api/v1/merchant", headers={"Authorization": f"Bearer {copied}"}
        )
        assert answer.status == 200
        assert answer.json()["name"] == shop.merchant.name
        context.close()
