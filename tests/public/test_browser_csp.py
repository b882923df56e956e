"""The customer pages, the scanner app and the API docs work under the Content-Security-Policy, in a real browser:
the policy is sent, and Chromium reports no violation (an inline style or script without the nonce would be one)."""

import json
from urllib.parse import urlsplit

import pytest

from stampcard.cards import links
from stampcard.receipts import services as receipts_services
from stampcard.receipts.presenters import claim_path
from tests.browser import chromium, phone_page
from tests.public.conftest import ANDROID_UA, join_in_the_browser
from tests.receipts.conftest import a_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def watched(browser):
    """A phone page that records every CSP violation Chromium reports, and the policy of every document."""
    page = phone_page(browser, user_agent=ANDROID_UA, language="en")
    violations: list[str] = []
    policies: dict[str, str] = {}
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on(
        "response",
        lambda r: (
            policies.__setitem__(r.url, r.headers.get("content-security-policy", ""))
            if r.request.resource_type == "document" and r.status == 200  # not the redirects in between
            else None
        ),
    )
    return page, violations, policies


def test_the_customer_pages_run_under_the_policy_without_a_violation(browser, live_server, program, cashier, manager):
    page, violations, policies = watched(browser)

    page.goto(live_server.url + links.join_path(program))
    card = join_in_the_browser(page, live_server, program, button="Get my card")  # styled by the nonced <style>
    assert page.locator("main").evaluate("e => getComputedStyle(e).maxWidth") != "none"

    # The receipt page of a phone holding the card collects by itself: its one inline script carries the nonce.
    created = receipts_services.receipt_create(actor=cashier.actor(), check=a_check())
    page.goto(live_server.url + claim_path(created.token))
    page.wait_for_url("**?done=1")

    response = manager.client().post(
        "/api/v1/vouchers", data=json.dumps({"title": "Free cappuccino", "card": card.number}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    page.goto(live_server.url + urlsplit(response.json()["vouchers"][0]["urls"]["page"]).path)
    page.locator("img").first.wait_for()

    page.goto(live_server.url + "/scanner/")
    page.goto(live_server.url + "/api/v1/docs")
    page.locator(".swagger-ui").first.wait_for()

    assert violations == []
    documents = [url for url in policies if "/admin/" not in url]
    assert len(documents) >= 5
    for url in documents:
        assert "script-src 'self'" in policies[url] and "'unsafe-inline'" not in policies[url], url
        assert "frame-ancestors 'none'" in policies[url], url
    page.context.close()
