"""The panel's referral screens in a real browser, in English and Ukrainian, at phone and desktop width: the
designer's Referral step, and the refused invitations and held rewards under Suspicious activity.
``SCREENSHOTS_DIR`` keeps PNGs."""

import pytest

from stampcard.referrals.models import ReferralMode
from tests.browser import chromium, fits_the_screen
from tests.panel.objects import shop_create
from tests.panel.referrals.makers import referral_flag_create, referral_held_create
from tests.panel.test_screenshots import _shot, _signed_in_as_owner
from tests.referrals.conftest import referrals_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_referral_screens_speak_the_language_and_fit_the_screen(browser, live_server, language, width):
    shop = shop_create("Blue Cup")
    referrals_on(shop.program, mode=ReferralMode.BOTH, reward_stamps=2)
    referral_flag_create(shop)
    referral_held_create(shop)
    context, page = _signed_in_as_owner(browser, live_server, shop, language=language, width=width)

    for name, path in (
        ("designer-referral", f"/panel/programs/{shop.program.pk}/referral/"),
        ("referral-flags", "/panel/alerts/"),
    ):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        if width == "phone":
            assert fits_the_screen(page), f"{path} is wider than a phone"
        _shot(page, f"{name}-{language}-{width}")
    assert page.get_by_test_id("referral-flag").count() == 1
    assert page.get_by_test_id("referral-reward-held").count() == 1
    context.close()
