"""The lottery editor in a real browser (Debian Chromium driven by Playwright): the live total of the chances, and
a lottery whose chances do not total 100% refused."""

import pytest

from stampcard.lottery.models import Lottery
from stampcard.merchants.models import Role
from tests.browser import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def sign_in(browser, live_server, shop, *, viewport):
    context = browser.new_context(viewport=viewport, locale="en", extra_http_headers={"Accept-Language": "en"})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server.url + "/login/?next=/panel/rewards/lotteries/new/")
    page.get_by_label("Email").fill(shop.staff[Role.MANAGER].membership.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/panel/rewards/lotteries/new/")
    return page


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_odds_not_totalling_100_show_live_and_are_refused_then_fixed(browser, live_server, shop, viewport):
    page = sign_in(browser, live_server, shop, viewport=viewport)
    total = page.get_by_test_id("odds-sum")
    assert total.inner_text() == "100%"  # the starter table: 10 + 20 + 70

    page.locator("#id_name").fill("Spring wheel")
    chances = page.locator("[data-odds-input]")
    chances.nth(0).fill("33.33")
    chances.nth(1).fill("33,33")
    assert total.inner_text() == "136.66%"  # live, while typing
    chances.nth(2).fill("30")
    assert total.inner_text() == "96.66%"
    assert "3.34% still to share out" in page.locator("[data-odds-hint]").inner_text()

    page.get_by_role("button", name="Save the lottery").click()
    page.wait_for_load_state()
    assert "The chances total 96.66%, not 100%." in page.get_by_test_id("odds-error").inner_text()
    assert page.get_by_test_id("odds-sum").inner_text() == "96.66%"
    assert not Lottery.objects.filter(merchant=shop.merchant).exists()

    page.locator("[data-odds-input]").nth(2).fill("33.34")
    assert page.get_by_test_id("odds-sum").inner_text() == "100%"
    page.get_by_role("button", name="Save the lottery").click()
    page.wait_for_url("**/panel/rewards/lotteries/*/")
    lottery = Lottery.objects.get(merchant=shop.merchant)
    assert [v.probability_ppm for v in lottery.variants.all()] == [333_300, 333_300, 333_400]
    page.context.close()


def test_a_prize_added_and_one_removed_change_the_live_total(browser, live_server, shop):
    page = sign_in(browser, live_server, shop, viewport={"width": 1366, "height": 900})
    total = page.get_by_test_id("odds-sum")
    rows = page.locator("[data-variant]")
    assert rows.count() == 3  # the starter prizes only: the blank row for pages without JavaScript is dropped
    page.get_by_role("button", name="Add a prize").click()
    assert rows.count() == 4
    new_row = rows.nth(3)
    new_row.locator("[data-odds-input]").fill("5")
    assert total.inner_text() == "105%"
    rows.nth(1).get_by_label("Remove this prize").check()
    assert total.inner_text() == "85%"
    new_row.get_by_label("Prize kind").select_option("voucher")
    assert new_row.locator("[data-variant-voucher]").is_visible()
    # What the voucher gives: only the field of the kind chosen shows.
    assert not new_row.get_by_label("Percent off").is_visible()
    new_row.get_by_label("What the voucher gives").select_option("percent")
    assert new_row.get_by_label("Percent off").is_visible()
    assert not new_row.get_by_label("Amount off").is_visible()
    page.context.close()
