"""A cafe from sign-up to its first stamp in a real browser (Debian Chromium driven by Playwright), with the API and a
customer's phone on the side; and a second cafe on the same server that sees none of the first one's data.

The journey: sign up -> design a card with milestones (the six steps of the designer) -> create an API key and read
it from the page (shown once) -> the key opens ``/api/v1/merchant`` -> the join QR on the printouts page, decoded ->
a customer joins on a phone -> a stamp through API v1 -> the dashboard shows it; the plan page shows billing only for
the paid plan; and a lottery whose chances do not total 100% is refused.
"""

import io
import re
import uuid
from urllib.parse import urlencode

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, Program
from stampcard.checkouts import services as checkouts_services
from stampcard.lottery.models import Lottery
from stampcard.merchants.models import Merchant, Role
from tests.browser import chromium, fits_the_screen, phone_page
from tests.panel.objects import OBJECT_MAKERS
from tests.panel.rewards import makers as rewards_makers
from tests.public.conftest import IPHONE_UA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long journey to the first stamp"
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def base_url(settings, live_server) -> str:
    # Links printed in QR codes and sent to customers are built on BASE_URL: here, this test's own server.
    settings.BASE_URL = live_server.url
    return live_server.url


def desktop_page(browser):
    context = browser.new_context(
        viewport=DESKTOP, locale="en-GB", timezone_id="Europe/Kyiv", extra_http_headers={"Accept-Language": "en-GB"}
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_up(page, base_url: str, *, business: str, email: str) -> Merchant:
    page.goto(base_url + "/signup/")
    page.get_by_label("Business name").fill(business)
    page.get_by_label("Type of business").select_option("cafe")
    page.get_by_label("Country").select_option("UA")
    page.get_by_label("Currency").select_option("UAH")
    page.get_by_label("Your name").fill(f"Owner of {business}")
    page.get_by_label("Your email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(base_url + "/panel/")
    return Merchant.objects.get(name=business)


def api(base_url: str, key: str, method: str, path: str, **kwargs) -> httpx.Response:
    """One call to API v1 as a till makes it, on a connection of its own: a kept-alive one would hold a server thread
    (and its database session) past the test."""
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
    return httpx.request(method, f"{base_url}/api/v1{path}", headers=headers, timeout=15, **kwargs)


def save_and_continue(page, next_step: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(rf".*/{next_step}/$"))


def test_a_cafe_goes_from_sign_up_to_its_first_stamp_on_the_dashboard(browser, base_url, mailoutbox):
    page = desktop_page(browser)

    # Sign-up: the new owner lands on the guided start.
    merchant = sign_up(page, base_url, business="Kava Tut", email="olena@kavatut.example")
    checklist = page.get_by_test_id("checklist")
    expect(checklist.locator("[data-done=true]")).to_have_count(0)

    # The designer: a card from the cafe template, through its seven steps, with two milestones.
    page.get_by_role("link", name="Card design").click()
    page.get_by_role("link", name="New card").first.click()
    page.get_by_label("Coffee card").check()
    page.get_by_label("Name of the card").fill("Kava Tut card")
    page.get_by_role("button", name="Create the card").click()
    page.wait_for_url(re.compile(r".*/look/$"))
    program = Program.objects.get(merchant=merchant)
    template_strip = page.locator("[data-preview-image=apple]").get_attribute("src")
    page.locator("input[name=background_color]").fill("#1f3a5f")
    save_and_continue(page, "earning")
    save_and_continue(page, "goals")
    page.fill("input[name=milestones-0-at]", "3")  # the template's one goal becomes the first of two milestones
    page.fill("input[name=milestones-0-title]", "Free cookie")
    page.click("[data-milestone-add]")
    page.fill("input[name=milestones-1-at]", "6")
    page.select_option("select[name=milestones-1-kind]", "voucher")
    page.fill("input[name=milestones-1-title]", "Free coffee")
    page.fill("input[name=milestones-1-validity_days]", "30")
    save_and_continue(page, "stamping")
    save_and_continue(page, "self-service")
    save_and_continue(page, "referral")
    save_and_continue(page, "review")
    review = page.locator(".designer-form")
    expect(review).to_contain_text("Free cookie")
    expect(review).to_contain_text("Free coffee")
    # The saved card's pictures, not the template's that the browser still keeps from the first step.
    assert page.locator("[data-preview-image=apple]").get_attribute("src") != template_strip
    expect(page.get_by_test_id("preview-web")).to_contain_text("of 6 stamps")
    program.refresh_from_db()
    assert [(m["at"], m["title"], m["kind"]) for m in program.milestone_list()] == [
        (3, "Free cookie", "award"),
        (6, "Free coffee", "voucher"),
    ]
    assert program.background_color == "#1f3a5f"

    # An API key, shown once on the page it is created on.
    page.get_by_role("link", name="API keys & devices").click()
    page.get_by_role("link", name="New API key").click()
    page.get_by_label("Name").fill("Front till")
    page.get_by_label("Location").select_option(label="Kava Tut")
    page.get_by_role("button", name="Create key").click()
    raw_key = page.get_by_test_id("raw-key").input_value()
    assert raw_key.startswith("sc_")
    answer = api(base_url, raw_key, "GET", "/merchant")
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["name"], answer.json()["currency"]) == (
        str(merchant.pk),
        "Kava Tut",
        "UAH",
    )
    page.goto(base_url + "/panel/keys/")
    expect(page.get_by_text("Front till")).to_be_visible()
    expect(page.get_by_text(raw_key)).to_have_count(0)  # never shown again

    # The join QR: what a customer's camera reads is the link the page shows.
    page.get_by_role("link", name="QR & print").click()
    printout = page.get_by_test_id("printout")
    expect(printout).to_have_count(1)
    shown_url = printout.get_by_label("Join link").input_value()
    qr_picture = Image.open(io.BytesIO(printout.locator(".printout-qr svg").screenshot()))
    [decoded] = zxingcpp.read_barcodes(qr_picture)
    assert decoded.text == shown_url and shown_url.startswith(base_url + "/j/")

    # A customer scans it with an iPhone and joins.
    phone = phone_page(browser, user_agent=IPHONE_UA, language="en")
    phone.goto(decoded.text)
    assert fits_the_screen(phone)
    phone.get_by_label("Your name").fill("Taras Shevchuk")
    phone.locator("input[name=terms]").check()
    phone.get_by_role("button", name="Get my card").click()
    phone.wait_for_url("**/c/**")
    number = phone.get_by_test_id("card-number").inner_text()
    expect(phone.get_by_test_id("stamps")).to_have_text("0 of 6 stamps")
    card = Card.objects.get(merchant=merchant, number=number)
    assert card.program_id == program.pk

    # The till stamps the check through API v1 with the panel's key.
    check = {"external_id": "KT-1001", "total": 9500, "currency": "UAH"}
    answer = api(base_url, raw_key, "POST", "/checkouts", json={"card": number, "check": check})
    assert answer.status_code == 200, answer.text
    assert answer.json()["stamps_issued"] == 1 and answer.json()["card"]["stamps"] == 1
    phone.reload()
    expect(phone.get_by_test_id("stamps")).to_have_text("1 of 6 stamps")
    phone.context.close()

    # The dashboard: today's stamp and who got it; the guided start is done.
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("stamps-today")).to_have_text("1")
    expect(page.get_by_test_id("visits-today")).to_have_text("1")
    expect(page.get_by_test_id("cards-today")).to_have_text("1")
    activity = page.get_by_test_id("activity")
    expect(activity).to_contain_text("Taras Shevchuk")
    expect(activity).to_contain_text(f"№ {number}")
    expect(activity).to_contain_text("+1")
    expect(page.get_by_test_id("checklist")).to_have_count(0)

    # Plan & usage: the billing choice belongs to the paid plan and shows only while it is picked.
    page.get_by_role("link", name="Plan & usage").click()
    paid_fields = page.get_by_test_id("plan-paid-fields")
    expect(page.locator("input[name=plan][value=free]")).to_be_checked()
    expect(paid_fields).to_be_hidden()
    page.locator("input[name=plan][value=paid]").check()
    expect(paid_fields).to_be_visible()
    expect(paid_fields.locator("input[name=interval]")).to_have_count(2)
    page.locator("input[name=plan][value=free]").check()
    expect(paid_fields).to_be_hidden()

    # A lottery whose chances do not total 100% is refused; nothing is saved.
    page.get_by_role("link", name="Rewards").click()
    page.goto(base_url + "/panel/rewards/lotteries/new/")
    page.locator("#id_name").fill("Spring wheel")
    chances = page.locator("[data-odds-input]")
    chances.nth(0).fill("10")
    chances.nth(1).fill("20")
    chances.nth(2).fill("60")
    expect(page.get_by_test_id("odds-sum")).to_have_text("90%")
    page.get_by_role("button", name="Save the lottery").click()
    expect(page.get_by_test_id("odds-error")).to_contain_text("The chances total 90%, not 100%.")
    assert not Lottery.objects.filter(merchant=merchant).exists()
    page.context.close()


def test_a_second_cafe_on_the_same_server_sees_none_of_the_first_ones_data(browser, base_url, shop):
    # The first cafe (Blue Cup): a program, a customer with a stamp today, a lottery, a voucher batch.
    cashier = shop.staff[Role.CASHIER]
    checkouts_services.checkout_commit(
        actor=cashier.actor(),
        card_ref=shop.card.number,
        check=CheckInput(external_id="B-1", total=5000, currency="UAH"),
    )
    lottery_id = rewards_makers.shop_lottery(shop)
    batch_id = OBJECT_MAKERS["batch_id"](shop)
    customer = shop.card.customer.name
    Program.objects.filter(pk=shop.program.pk).update(name="Blue Cup beans")

    page = desktop_page(browser)
    sign_up(page, base_url, business="Red Mug", email="owner@redmug.example")

    expect(page.get_by_test_id("stamps-today")).to_have_text("0")
    expect(page.get_by_test_id("cards-total")).to_have_text("0")
    expect(page.get_by_test_id("activity")).to_have_count(0)
    for path in ("/panel/", "/panel/programs/", "/panel/rewards/", "/panel/keys/", "/panel/printouts/"):
        page.goto(base_url + path)
        body = page.locator("main").inner_text()
        for theirs in (shop.merchant.name, "Blue Cup beans", customer, shop.card.number, "Flyers"):
            assert theirs not in body, f"{path} shows {theirs!r}"
    # The counter's search finds none of their customers, by name or card number.
    for query in (customer, shop.card.number):
        page.goto(base_url + "/panel/counter/?" + urlencode({"q": query}))
        expect(page.get_by_test_id("find-problem")).to_be_visible()
        expect(page.get_by_test_id("find").locator("ul.rows li")).to_have_count(0)
        expect(page.get_by_test_id("card")).to_have_count(0)

    theirs = [
        f"/panel/programs/{shop.program.pk}/look/",
        f"/panel/programs/{shop.program.pk}/export.json",
        f"/panel/rewards/lotteries/{lottery_id}/",
        f"/panel/rewards/batches/{batch_id}/",
        f"/panel/locations/{shop.location.pk}/",
        f"/panel/staff/{shop.staff[Role.CASHIER].membership.pk}/",
    ]
    for path in theirs:
        assert page.request.get(base_url + path).status == 404, path
    page.context.close()
