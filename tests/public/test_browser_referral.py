"""The web card's "Invite a friend" block on a phone, in English and Ukrainian, and a friend joining through its
link in a real browser (Debian Chromium driven by Playwright). ``SCREENSHOTS_DIR`` keeps the pictures."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from stampcard.cards import links
from stampcard.referrals import codes
from stampcard.referrals.models import Referral, ReferralMode, ReferralState
from tests.browser import chromium, fits_the_screen, phone_page
from tests.factories import CardFactory, CustomerFactory
from tests.public.conftest import ANDROID_UA, IPHONE_UA
from tests.referrals.conftest import referrals_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
        page.get_by_test_id("referral").screenshot(path=str(Path(folder) / f"{name}-block.png"))


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_web_card_shows_the_invitation_link_and_qr_on_a_phone(browser, live_server, program, language):
    referrals_on(program, mode=ReferralMode.BOTH, reward_stamps=2)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name="Iryna"))
    page = phone_page(browser, user_agent=IPHONE_UA, language=language)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_server.url + links.web_card_path(card))

    block = page.get_by_test_id("referral")
    assert block.is_visible() and block.locator("svg").is_visible()
    assert page.get_by_test_id("referral-link").input_value() == codes.referral_url(card)
    assert fits_the_screen(page)
    assert not errors, errors  # the inline script ran under the page's CSP
    _shot(page, f"referral-card-phone-{language}")
    page.context.close()


def test_a_friend_opens_the_link_joins_and_is_recorded(browser, live_server, program):
    referrals_on(program, mode=ReferralMode.FRIEND, reward_stamps=1)
    referrer = CardFactory(program=program)
    link = urlsplit(codes.referral_url(referrer))
    page = phone_page(browser, user_agent=ANDROID_UA, language="en")

    page.goto(f"{live_server.url}{link.path}?{link.query}")
    page.get_by_test_id("referral-welcome").wait_for()
    page.get_by_label("Your name").fill("Taras")
    page.locator("input[name=terms]").check()
    page.get_by_role("button", name="Get my card").click()
    page.wait_for_url("**/c/**")

    referral = Referral.objects.get()
    assert referral.referrer_card == referrer and referral.state == ReferralState.JOINED
    assert referral.device_digest  # the join page gave the phone its referral cookie before the form was sent
    page.context.close()
