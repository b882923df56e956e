"""The real stampcard bundle inside the POS simulator (the Poster stand-in's register page), in headless Chromium,
against a live stampcard: the cashier's flows end to end, every request of the app going through the simulated
Poster.makeRequest proxy that signs it like Poster's backend."""

import json
import re

import pytest
import segno
from playwright.sync_api import expect

from stampcard.cards.checks import CheckInput
from stampcard.cards.models import CardEvent, Check, EarningRule, EventKind, StampingMode
from stampcard.checkouts import services as checkouts_services
from stampcard.core.benefit import Benefit
from stampcard.merchants.actors import Channel
from stampcard.poster.models import DeliveryOutcome, PosterWebhookDelivery
from stampcard.poster.pos_app.qr_text import FULL, LOWER, UPPER
from stampcard.receipts.models import ReceiptToken
from stampcard.rewards.models import Reward, RewardState
from stampcard.sandbox.poster import simulator
from stampcard.sandbox.poster.simulator import simulator_url
from stampcard.sandbox.poster.state import transaction_payload
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher, VoucherState
from tests.browser import chromium
from tests.conftest import reload
from tests.factories import CardFactory, CustomerFactory
from tests.lottery.helpers import lottery_reward, make_lottery, variant
from tests.poster.conftest import ACCOUNT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGISTER = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def browser():
    if not simulator.BUNDLE.exists():
        pytest.fail(f"the POS app bundle is missing at {simulator.BUNDLE}: run `make install`", pytrace=False)
    with chromium() as browser:
        yield browser


def open_simulator(browser, poster, live_server, *, lang="en", print_receipt=True):
    context = browser.new_context(viewport=REGISTER, locale="en")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(
        simulator_url(
            live_server.url,
            stand_in_url=poster.base_url,
            account=ACCOUNT,
            spot_id="1",
            lang=lang,
            print_receipt=print_receipt,
        )
    )
    page.locator("html[data-ready='1']").wait_for()
    return page


def app_of(page):
    return page.frame_locator("#app-frame")


def connect_app(page, staff, *, gift_product: str | None = None):
    """Functions -> stampcard settings: paste the key, connect, (pick the gift item,) save."""
    page.get_by_role("button", name="☰ Functions").click()
    page.get_by_role("button", name="stampcard settings").click()
    app = app_of(page)
    app.get_by_label("API key").fill(staff.raw_key)
    app.get_by_role("button", name="Connect").click()
    expect(app.get_by_test_id("connection")).to_contain_text(
        f"Connected: {staff.merchant.name} · {staff.location.name}"
    )
    if gift_product:
        app.get_by_label("Gift item").select_option(label=gift_product)
    app.get_by_role("button", name="Save").click()
    expect(page.locator("#popup")).to_be_hidden()


def open_app_on_order(page):
    page.get_by_role("button", name="More").click()
    page.get_by_role("button", name="stampcard: customer").click()
    expect(page.locator("#popup")).to_be_visible()
    return app_of(page)


def identify(app, text):
    field = app.get_by_label("Card QR, card number, email or name")
    field.fill(text)
    field.press("Enter")  # what a USB scanner sends after the code


def test_identify_by_number_preview_the_stamp_close_the_order_and_the_card_has_it(
    browser, live_server, poster, connected, card, cashier
):
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()

    app = open_app_on_order(page)
    identify(app, card.number)
    expect(app.get_by_test_id("preview-stamps")).to_have_text("This check: +1 stamp")
    expect(app.get_by_test_id("card-stamps")).to_have_text("0 of 8 stamps")
    app.get_by_role("button", name="Done").click()
    expect(page.locator("#popup")).to_be_hidden()
    expect(page.locator("#order-comment")).to_contain_text(f"stampcard:{card.number}")

    page.get_by_role("button", name="Pay").click()
    page.get_by_role("button", name="Cash").click()

    expect(page.get_by_test_id("notification").first).to_contain_text("+1 stamp (1 of 8)")
    assert reload(card).stamps == 1
    check = Check.objects.get()
    (transaction,) = [t for t in poster.state.accounts[ACCOUNT].transactions.values() if t.status == 2]
    assert (check.pos, check.external_id, check.total) == ("poster", str(transaction.transaction_id), 5500)
    assert check.location == cashier.location
    # No webhook reaches this stampcard (webhook_url is empty): the stamp came from the app's signed commit.
    assert CardEvent.objects.get(kind=EventKind.STAMP).channel == Channel.POSTER
    page.context.close()


def test_a_name_matching_two_customers_lists_each_with_program_masked_contact_and_last_visit(
    browser, live_server, poster, connected, program, cashier
):
    CardFactory(
        program=program, customer=CustomerFactory(merchant=program.merchant, name="Olena K", email="olena@ex.com")
    )
    CardFactory(
        program=program, customer=CustomerFactory(merchant=program.merchant, name="Olena K", phone="+380501234567")
    )
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()

    app = open_app_on_order(page)
    identify(app, "olena k")
    who = app.get_by_test_id("result-who")
    expect(who).to_have_count(2)
    expect(who.filter(has_text="ol•••@ex.com")).to_contain_text(f"{program.name} · ol•••@ex.com · No visit yet")
    expect(who.filter(has_text="+380•••4567")).to_have_count(1)
    expect(app.get_by_test_id("results")).not_to_contain_text("olena@ex.com")
    page.context.close()


def test_at_the_goal_the_gift_is_recorded_as_the_menu_item_at_zero_price(
    browser, live_server, poster, connected, card, cashier
):
    card.stamps = 7
    card.save(update_fields=["stamps"])
    checkouts_services.checkout_commit(
        actor=cashier.actor(),
        card_ref=card.number,
        check=CheckInput(external_id="earlier", total=5500, currency="UAH"),
    )
    reward = Reward.objects.get(card=card)
    assert reward.state == RewardState.READY
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier, gift_product="Cappuccino")
    page.get_by_role("button", name=re.compile("^Croissant")).click()

    app = open_app_on_order(page)
    identify(app, card.number)
    gift = app.get_by_test_id("gift")
    expect(gift).to_contain_text("Free coffee")
    gift.get_by_role("button", name="Record gift").click()

    expect(app.get_by_test_id("message")).to_have_text("Free coffee is recorded in the check and handed over.")
    zero_line = page.locator("[data-testid=order-line][data-product='1']")
    expect(zero_line).to_have_attribute("data-price", "0.00")
    expect(zero_line).to_contain_text("Cappuccino × 1")
    expect(page.get_by_test_id("order-total")).to_have_text("45.00 ₴")  # the croissant alone
    assert reload(reward).state == RewardState.HANDED_OVER
    (transaction,) = [t for t in poster.state.accounts[ACCOUNT].transactions.values() if t.lines]
    assert [(line.product_id, line.price_cents) for line in transaction.lines] == [("2", 4500), ("1", 0)]
    page.context.close()


def test_a_voucher_redeemed_from_the_popup_cannot_be_redeemed_again(
    browser, live_server, poster, connected, program, cashier
):
    (voucher,) = vouchers_services.voucher_issue(actor=cashier.actor(), title="Free cappuccino")
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()

    app = open_app_on_order(page)
    app.get_by_role("button", name="Redeem a voucher").click()
    code = app.get_by_label("Voucher code")
    code.fill(voucher.code)
    code.press("Enter")
    expect(app.get_by_test_id("message")).to_have_text("Redeemed: Free cappuccino. Give it to the customer.")
    redeemed = Voucher.objects.get(pk=voucher.pk)
    assert redeemed.state == VoucherState.REDEEMED

    code = app.get_by_label("Voucher code")
    code.fill(voucher.code)
    code.press("Enter")
    expect(app.get_by_test_id("message")).to_have_text("This voucher was already redeemed. It cannot be used again.")
    again = Voucher.objects.get(pk=voucher.pk)
    assert (again.state, again.redeemed_at) == (VoucherState.REDEEMED, redeemed.redeemed_at)
    page.context.close()


def wait_for(page, condition, *, tries=100):
    """Poll ``condition`` while the register syncs in the background (the stand-in and stampcard are other threads)."""
    for _attempt in range(tries):
        if condition():
            return True
        page.wait_for_timeout(100)
    return condition()


def closed_transactions(poster):
    with poster.lock:  # the register's orders sync from another thread
        return [t for t in poster.state.accounts[ACCOUNT].transactions.values() if t.status == 2]


def test_a_percent_voucher_takes_its_share_off_the_order_and_the_stamps_follow_the_paid_sum(
    browser, live_server, poster, connected, program, cashier, manager
):
    program.earning_rule, program.amount_per_stamp = EarningRule.PER_AMOUNT, 2500  # a stamp per 25.00 paid
    program.save(update_fields=["earning_rule", "amount_per_stamp"])
    card = CardFactory(program=program)
    (voucher,) = vouchers_services.voucher_issue(
        actor=manager.actor(), card=card, title="10% off", benefit=Benefit(kind="percent", value=10)
    )
    poster.webhook_url = f"{live_server.url}/integrations/poster/webhook"
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()
    page.get_by_role("button", name=re.compile("^Croissant")).click()  # 55.00 + 45.00

    app = open_app_on_order(page)
    identify(app, card.number)
    expect(app.get_by_test_id("preview-stamps")).to_have_text("This check: +4 stamps")
    app.get_by_test_id("vouchers").get_by_role("button", name="Redeem").click()

    expect(app.get_by_test_id("message")).to_contain_text("Redeemed: 10% off.")
    expect(app.get_by_test_id("message")).to_contain_text("10.00 is taken off the order.")
    expect(app.get_by_test_id("preview-stamps")).to_have_text("This check: +3 stamps")  # 90.00 is left to pay
    expect(page.locator("#order-bonus")).to_contain_text("10.00")
    with poster.lock:
        (transaction,) = [t for t in poster.state.accounts[ACCOUNT].transactions.values() if t.lines]
    assert wait_for(page, lambda: transaction.bonus_cents == 1000)  # the register synced the order's bonus
    assert (transaction.sum_cents, transaction.due_cents) == (10000, 9000)
    redeemed = Voucher.objects.get(pk=voucher.pk)
    assert (redeemed.state, redeemed.redeemed_discount) == (VoucherState.REDEEMED, 1000)
    assert redeemed.redeemed_check_external_id == str(transaction.transaction_id)
    app.get_by_role("button", name="Done").click()

    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_test_id("to-pay")).to_have_text("90.00 ₴")
    page.get_by_role("button", name="Cash").click()

    expect(page.get_by_test_id("notification").first).to_contain_text("+3 stamps")
    assert wait_for(page, lambda: closed_transactions(poster) == [transaction])
    assert (transaction.payed_cash_cents, transaction.payed_bonus_cents) == (9000, 1000)
    # What the closing webhook makes stampcard read back: the paid sum is the money, without the voucher's share.
    account = poster.state.accounts[ACCOUNT]
    paid = transaction_payload(account, transaction, include_products=False, include_history=False)
    assert (paid["payed_sum"], paid["payed_bonus"]) == ("9000", "1000")
    # The closing webhook finds the check the app committed at the same paid sum (or commits it first): never amended.
    settled = PosterWebhookDelivery.objects.filter(
        object_id=str(transaction.transaction_id), outcome__in=[DeliveryOutcome.STAMPED, DeliveryOutcome.REPLAYED]
    )
    assert wait_for(page, settled.exists)
    assert not PosterWebhookDelivery.objects.filter(outcome=DeliveryOutcome.AMENDED).exists()
    check = Check.objects.get(pos="poster")
    assert (check.external_id, check.total) == (str(transaction.transaction_id), 9000)
    assert reload(card).stamps == 3
    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1
    page.context.close()


def _drawn_modules(text: str) -> list[list[int]]:
    """The QR drawn with half blocks in a printed receipt, read back into rows of modules."""
    drawn = [line for line in text.splitlines() if any(ch in line for ch in (FULL, UPPER, LOWER))]
    indent = min(len(line) - len(line.lstrip(" ")) for line in drawn)
    width = max(len(line) for line in drawn) - indent
    rows: list[list[int]] = []
    for line in drawn:
        cells = line[indent:].ljust(width)
        rows.append([1 if ch in (FULL, UPPER) else 0 for ch in cells])
        rows.append([1 if ch in (FULL, LOWER) else 0 for ch in cells])
    return rows


def test_in_receipt_qr_mode_the_printer_prints_the_claims_qr_and_the_receipt_keeps_its_link_and_code(
    browser, live_server, poster, connected, program, cashier, settings
):
    program.stamping_mode = StampingMode.RECEIPT_QR
    program.save(update_fields=["stamping_mode"])
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()

    page.get_by_role("button", name="Pay").click()  # nobody identified: the claim is asked for before printing
    page.get_by_role("button", name="Cash").click()

    receipt = page.get_by_test_id("receipt").first
    expect(receipt).to_contain_text("Collect your stamp: scan the QR")
    claim = ReceiptToken.objects.get()
    assert wait_for(page, lambda: closed_transactions(poster))  # the register syncs the close after the print
    (transaction,) = closed_transactions(poster)
    assert (claim.pos, claim.external_id, claim.total) == ("poster", str(transaction.transaction_id), 5500)
    # Poster.orders.printReceipt: a pre-check whose QR the printer prints from the claim's own link.
    text = receipt.inner_text()
    link = next(line for line in text.splitlines() if "/r/" in line).strip()
    claim_url = f"https://{link}"
    assert link.startswith(settings.BASE_URL.removeprefix("https://") + "/r/")
    assert wait_for(page, lambda: len(poster.receipts_printed(ACCOUNT)) == 1)
    (printed,) = poster.receipts_printed(ACCOUNT)
    assert (printed.transaction_id, printed.qr, printed.title) == (
        transaction.transaction_id,
        claim_url,
        "Scan to collect your stamp",
    )
    expect(page.get_by_test_id("precheck").first).to_have_attribute("data-qr", claim_url)
    # The receipt keeps the text form (the link and the printed code) and draws no QR of its own.
    assert f"Code {claim.code[:4]}-{claim.code[4:]}" in text
    assert not any(ch in text for ch in (FULL, UPPER, LOWER))
    assert not Check.objects.exists()  # nothing is stamped until the customer scans it
    page.context.close()


def test_where_the_register_cannot_print_a_qr_the_receipt_draws_it_with_characters(
    browser, live_server, poster, connected, program, cashier, settings
):
    program.stamping_mode = StampingMode.RECEIPT_QR
    program.save(update_fields=["stamping_mode"])
    page = open_simulator(browser, poster, live_server, print_receipt=False)  # no orders.printReceipt
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()

    page.get_by_role("button", name="Pay").click()
    page.get_by_role("button", name="Cash").click()

    receipt = page.get_by_test_id("receipt").first
    expect(receipt).to_contain_text("Collect your stamp: scan the QR")
    claim = ReceiptToken.objects.get()
    text = receipt.inner_text()
    assert f"Code {claim.code[:4]}-{claim.code[4:]}" in text
    link = next(line for line in text.splitlines() if "/r/" in line).strip()
    assert link.startswith(settings.BASE_URL.removeprefix("https://") + "/r/")  # the claim URL, scheme left out
    # The drawing is the claim URL's QR, error correction L: M is too wide for 32 characters.
    qr = segno.make_qr(f"https://{link}", error="l")
    # One margin module all round: the blank top row is drawn, the side columns and bottom row print as spaces.
    expected = [[int(bool(m)) for m in row[1:-1]] for row in qr.matrix_iter(scale=1, border=1)][:-1]
    assert _drawn_modules(text)[: len(expected)] == expected
    drawing = [line for line in text.splitlines() if FULL in line or UPPER in line or LOWER in line]
    assert drawing and all(len(line) <= 32 for line in drawing)  # a wrapped line would break the QR; the link may wrap
    assert poster.receipts_printed(ACCOUNT) == [] and page.get_by_test_id("precheck").count() == 0
    page.context.close()


def test_an_order_closed_offline_is_stamped_once_by_the_webhook_when_poster_syncs(
    browser, live_server, poster, connected, card, cashier
):
    poster.webhook_url = f"{live_server.url}/integrations/poster/webhook"
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier)
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()
    app = open_app_on_order(page)
    identify(app, card.number)
    expect(app.get_by_test_id("preview-stamps")).to_have_text("This check: +1 stamp")
    app.get_by_role("button", name="Done").click()

    page.get_by_label("Online").uncheck()
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("button", name="Cash").click()
    expect(page.get_by_test_id("notification").first).to_contain_text("the stamp is kept on the order")
    assert reload(card).stamps == 0

    page.get_by_label("Online").check()  # Poster syncs the order: closed, with the card on it -> the webhook
    for _attempt in range(100):
        if reload(card).stamps:
            break
        page.wait_for_timeout(100)
    assert reload(card).stamps == 1
    check = Check.objects.get()
    (transaction,) = [t for t in poster.state.accounts[ACCOUNT].transactions.values() if t.status == 2]
    assert check.external_id == str(transaction.transaction_id)
    # The commit the app could not send is kept in the order's extras too (synced after the close, here).
    for _attempt in range(50):
        if transaction.extras.get("stampcard_card", "").startswith("{"):
            break
        page.wait_for_timeout(100)
    kept = json.loads(transaction.extras["stampcard_card"])
    assert kept == {"card": card.number, "total": 5500, "currency": "UAH", "status": "pending"}
    assert CardEvent.objects.get(kind=EventKind.STAMP).actor is None  # the webhook's commit, not the app's

    # The register restarts: the app sends the commit it kept; the check is only replayed.
    page.reload()
    page.locator("html[data-ready='1']").wait_for()
    frame = page.frame_locator("#app-frame").locator("body")
    for _attempt in range(100):
        if frame.evaluate("() => localStorage.getItem('stampcard.poster.outbox.v1')") == "[]":
            break
        page.wait_for_timeout(100)
    assert frame.evaluate("() => localStorage.getItem('stampcard.poster.outbox.v1')") == "[]"
    assert reload(card).stamps == 1
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1
    page.context.close()


def test_a_due_lottery_is_drawn_from_the_payment_screen_and_its_gift_recorded_at_zero_price(
    browser, live_server, poster, connected, card, cashier, manager
):
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Free croissant")])
    ticket = lottery_reward(card, lottery)
    page = open_simulator(browser, poster, live_server)
    connect_app(page, cashier, gift_product="Cappuccino")
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()
    app = open_app_on_order(page)
    identify(app, card.number)
    expect(app.get_by_test_id("lottery-due")).to_be_visible()
    app.get_by_role("button", name="Done").click()

    page.get_by_role("button", name="Pay").click()
    page.get_by_role("button", name="stampcard lottery").click()  # the payment screen's button from next()

    expect(app.get_by_test_id("draw")).to_contain_text("Won: Free croissant!")
    assert reload(ticket).state == RewardState.HANDED_OVER
    prize = Reward.objects.get(card=card, kind="award")
    # The gift's item is the one its title names (the default gift item is a cappuccino).
    expect(app.get_by_label("Menu item for Free croissant")).to_have_value("2")
    app.get_by_role("button", name="Record gift").click()
    expect(app.get_by_test_id("message")).to_have_text("Free croissant is recorded in the check and handed over.")
    assert reload(prize).state == RewardState.HANDED_OVER
    app.get_by_role("button", name="Back to payment").click()
    expect(page.get_by_test_id("to-pay")).to_have_text("55.00 ₴")  # the croissant is on the house

    page.get_by_role("button", name="Cash").click()
    expect(page.get_by_test_id("notification").first).to_contain_text("+1 stamp")
    receipt = page.get_by_test_id("receipt").first.inner_text()
    assert re.search(r"Croissant x1 +0\.00", receipt)
    assert reload(card).stamps == 1
    page.context.close()


def test_in_bonus_mode_the_gift_is_the_item_at_its_price_paid_by_the_order_bonus(
    browser, live_server, poster, connected, card, cashier
):
    card.stamps = 7
    card.save(update_fields=["stamps"])
    checkouts_services.checkout_commit(
        actor=cashier.actor(),
        card_ref=card.number,
        check=CheckInput(external_id="earlier", total=5500, currency="UAH"),
    )
    page = open_simulator(browser, poster, live_server)
    page.get_by_role("button", name="☰ Functions").click()
    page.get_by_role("button", name="stampcard settings").click()
    app = app_of(page)
    app.get_by_label("API key").fill(cashier.raw_key)
    app.get_by_label("Poster's order bonus").check()
    app.get_by_role("button", name="Connect").click()
    expect(app.get_by_test_id("connection")).to_contain_text("Connected:")
    app.get_by_label("Gift item").select_option(label="Cappuccino")
    app.get_by_role("button", name="Save").click()
    page.get_by_role("button", name=re.compile("^Croissant")).click()

    app = open_app_on_order(page)
    identify(app, card.number)
    app.get_by_test_id("gift").get_by_role("button", name="Record gift").click()
    expect(app.get_by_test_id("message")).to_contain_text("recorded in the check")
    expect(page.locator("[data-testid=order-line][data-product='1']")).to_have_attribute("data-price", "55.00")
    expect(page.locator("#order-bonus")).to_contain_text("55.00")
    app.get_by_role("button", name="Done").click()

    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_test_id("to-pay")).to_have_text("45.00 ₴")
    page.get_by_role("button", name="Cash").click()

    expect(page.get_by_test_id("notification").first).to_contain_text("+1 stamp")
    # The money taken is the croissant's: the app commits that, as Poster's paid sum (cash + card) will say.
    check = Check.objects.get(pos="poster")
    assert check.total == 4500
    (transaction,) = [t for t in poster.state.accounts[ACCOUNT].transactions.values() if t.status == 2]
    assert (transaction.payed_cash_cents, transaction.payed_bonus_cents) == (4500, 5500)
    page.context.close()


def test_the_app_speaks_ukrainian_when_poster_does(browser, live_server, poster, connected, card, cashier):
    page = open_simulator(browser, poster, live_server, lang="ua")  # Poster.settings.lang
    page.get_by_role("button", name="☰ Functions").click()
    page.get_by_role("button", name="Налаштування stampcard").click()
    app = app_of(page)
    app.get_by_label("Ключ API").fill(cashier.raw_key)
    app.get_by_role("button", name="Підключити").click()
    expect(app.get_by_test_id("connection")).to_contain_text(f"Підключено: {cashier.merchant.name}")
    app.get_by_role("button", name="Зберегти").click()
    page.get_by_role("button", name=re.compile("^Cappuccino")).click()

    page.get_by_role("button", name="More").click()
    page.get_by_role("button", name="stampcard: гість").click()
    expect(app.get_by_role("heading", name="Хто гість?")).to_be_visible()
    field = app.get_by_label("QR картки, номер картки, email або ім’я")
    field.fill(card.number)
    field.press("Enter")

    expect(app.get_by_test_id("preview-stamps")).to_have_text("Цей чек: +1 штамп")
    expect(app.get_by_test_id("card-stamps")).to_have_text("0 з 8 штампів")
    page.context.close()
