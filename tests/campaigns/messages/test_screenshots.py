"""The email and the unsubscribe page in a real browser, in English and Ukrainian, at phone and desktop width.

Each must speak the customer's language and fit a phone's width. With SCREENSHOTS_DIR set every one is also saved
as a PNG, for people to look at.
"""

import os
from pathlib import Path

import pytest

from stampcard.campaigns.messages import email, unsubscribe
from stampcard.campaigns.messages.models import MessageDelivery
from stampcard.core.validity import Validity
from stampcard.merchants.actors import Actor
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.codes import format_code
from tests.browser import chromium, fits_the_screen
from tests.campaigns.messages.conftest import holder, message_to
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_queue")]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_email_and_the_unsubscribe_page_speak_the_language_and_fit_the_screen(
    browser, live_server, language, width, merchant
):
    merchant.name, merchant.locale = "Blue Cup", language
    merchant.save()
    program = ProgramFactory(merchant=merchant, background_color="#7c2d12", label_color="#fde68a")
    card = holder(program, email="olena@example.com")
    card.customer.language = language  # the customer's own language, which the unsubscribe page speaks
    card.customer.save(update_fields=["language"])
    message = message_to([card], merchant=merchant)
    delivery = MessageDelivery.objects.get(message=message)
    delivery.address = card.customer.email
    (delivery.voucher,) = vouchers_services.voucher_issue(
        actor=Actor.system(merchant), card=card, title="Free cinnamon bun", validity=Validity(days=14)
    )
    built = email.email_build(message=message, delivery=delivery, lang=language)
    context = browser.new_context(viewport=VIEWPORTS[width], locale=language)
    page = context.new_page()

    page.set_content(built.alternatives[0][0])
    assert page.locator("html").get_attribute("lang") == language
    if width == "phone":
        assert fits_the_screen(page), "the email is wider than a phone"
    assert page.get_by_text(format_code(delivery.voucher.code)).is_visible()
    _shot(page, f"message-email-{language}-{width}")

    path = unsubscribe.unsubscribe_url(delivery).split("/m/", 1)[1]
    page.goto(f"{live_server.url}/m/{path}")
    assert page.locator("html").get_attribute("lang") == language
    if width == "phone":
        assert fits_the_screen(page), "the unsubscribe page is wider than a phone"
    _shot(page, f"message-unsubscribe-{language}-{width}")

    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[role=status]").count() == 1
    _shot(page, f"message-unsubscribed-{language}-{width}")
    card.customer.refresh_from_db()
    assert card.customer.marketing_email_consent is False
    context.close()
