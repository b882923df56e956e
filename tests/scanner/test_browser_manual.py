"""Manual mode in a real browser: staff find a card with the camera or by its number, then stamp it."""

import json

import pytest

from stampcard.cards.models import Card, CardEvent, EarningRule, EventKind
from stampcard.core.benefit import Benefit
from stampcard.merchants.actors import Actor, Channel
from stampcard.rewards.models import Reward
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from tests.browser import chromium
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, make_lottery, variant
from tests.scanner.scanner_browser import card_video, fake_camera_args, pair, scanner_page, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stamp_events(card: Card) -> list[CardEvent]:
    return list(CardEvent.objects.filter(card=card, kind=EventKind.STAMP))


def test_staff_scan_a_wallet_card_with_the_camera_and_add_a_stamp(live_server, merchant, tmp_path):
    location = LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    staff_member(merchant, email="barista@example.com")
    video = card_video(tmp_path / "card.y4m", card.qr_payload)

    with chromium(*fake_camera_args(video)) as browser:
        page = scanner_page(browser, live_server, camera=True)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")
        page.get_by_role("button", name="Scan with the camera").click()

        page.get_by_test_id("customer-name").wait_for()
        assert page.get_by_test_id("customer-name").inner_text() == "Olena Kovalenko"
        assert page.get_by_test_id("card-number").inner_text() == card.number
        assert page.get_by_test_id("stamps").inner_text() == "0 of 8 stamps"
        # Headless Chromium on Linux has no BarcodeDetector: the bundled jsQR read the frames.
        assert page.get_by_test_id("camera").get_attribute("data-decoder") == "jsqr"

        page.get_by_role("button", name="Add a stamp").click()
        page.get_by_text("1 stamp added.").wait_for()
        assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"

    card.refresh_from_db()
    assert card.stamps == 1
    [event] = stamp_events(card)
    assert event.location_id == location.pk


def test_staff_type_the_card_number_and_the_check_total_of_a_per_amount_program(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(
        merchant=merchant, goal=10, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000
    )  # one stamp per 50.00 UAH
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Taras Shevchenko"))
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")

        page.get_by_label("Card number").fill("12345")
        page.get_by_role("button", name="Find the card").click()
        page.get_by_text("Type the six digits of the card number.").wait_for()

        page.get_by_label("Card number").fill(card.number)
        page.get_by_role("button", name="Find the card").click()
        page.get_by_test_id("customer-name").wait_for()
        assert page.get_by_test_id("customer-name").inner_text() == "Taras Shevchenko"
        assert page.get_by_text("One stamp for every").is_visible()

        amount = page.get_by_label("Check total, UAH")
        amount.fill("12x")
        page.get_by_role("button", name="Add stamps").click()
        page.get_by_text("Type the check total, like 125.50.").wait_for()
        assert stamp_events(card) == []

        amount.fill("125.50")  # 12550 minor units: two whole stamps of 50.00
        page.get_by_role("button", name="Add stamps").click()
        page.get_by_text("2 stamps added.").wait_for()
        assert page.get_by_test_id("stamps").inner_text() == "2 of 10 stamps"

    card.refresh_from_db()
    assert card.stamps == 2
    [event] = stamp_events(card)
    assert event.check_ref is not None and event.check_ref.total == 12550


def test_staff_hand_over_an_award_run_a_lottery_draw_and_redeem_vouchers(live_server, merchant, manager):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    award = Reward.objects.create(
        merchant=merchant, card=card, kind="award", state="ready", title="Free coffee", stamps_spent=8
    )
    lottery = make_lottery(manager.actor(), [variant("award", 1_000_000, "Free croissant")])
    lottery_reward(card, lottery)
    system = Actor(merchant=merchant, channel=Channel.SYSTEM)
    [on_card] = vouchers_services.voucher_issue(actor=system, title="Free cake", card=card)
    [bearer] = vouchers_services.voucher_issue(actor=system, title="Flyer cappuccino")
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")
        page.get_by_label("Card number").fill(card.number)
        page.get_by_role("button", name="Find the card").click()

        page.get_by_test_id("reward").filter(has_text="Free coffee").get_by_role("button", name="Hand over").click()
        page.get_by_text("Handed over: Free coffee").wait_for()
        assert page.get_by_test_id("reward").filter(has_text="Free coffee").count() == 0

        page.get_by_role("button", name="Run the draw").click()
        page.get_by_text("You won: Free croissant").wait_for()

        page.get_by_test_id("voucher").filter(has_text="Free cake").get_by_role("button", name="Redeem").click()
        page.get_by_text("Voucher redeemed: Free cake").wait_for()
        assert page.get_by_test_id("voucher").filter(has_text="Free cake").count() == 0

        page.get_by_role("button", name="Next customer").click()
        page.get_by_text("Redeem a voucher by its code").click()
        page.get_by_label("Voucher code").fill(bearer.code.lower())
        page.get_by_role("button", name="Redeem").click()
        page.get_by_text("Voucher redeemed: Flyer cappuccino").wait_for()

    award.refresh_from_db()
    assert award.handed_over_at is not None
    assert Voucher.objects.get(pk=on_card.pk).state == Voucher.objects.get(pk=bearer.pk).state == "redeemed"
    assert CardEvent.objects.filter(card=card, kind=EventKind.LOTTERY_DRAW).count() == 1


def test_a_discount_voucher_says_what_to_take_off_the_bill_before_and_after_it_is_redeemed(live_server, merchant):
    """The scanner does not see the till's bill: a percent or amount voucher tells the staff member what to take off
    instead of "hand it over"."""
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    system = Actor(merchant=merchant, channel=Channel.SYSTEM)
    [percent] = vouchers_services.voucher_issue(
        actor=system, title="Loyal guest", card=card, benefit=Benefit(kind="percent", value=15)
    )
    [bearer] = vouchers_services.voucher_issue(actor=system, title="Flyer", benefit=Benefit(kind="amount", value=5000))
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")
        page.get_by_label("Card number").fill(card.number)
        page.get_by_role("button", name="Find the card").click()

        on_card = page.get_by_test_id("voucher").filter(has_text="Loyal guest")
        assert "15% off the bill" in on_card.inner_text()
        on_card.get_by_role("button", name="Redeem").click()
        page.get_by_text("Voucher redeemed: Loyal guest. Take 15% off the bill.").wait_for()

        page.get_by_role("button", name="Next customer").click()
        page.get_by_text("Redeem a voucher by its code").click()
        page.get_by_label("Voucher code").fill(bearer.code)
        page.get_by_role("button", name="Redeem").click()
        page.get_by_text("Voucher redeemed: Flyer. Take", exact=False).wait_for()
        assert "50.00 off the bill" in page.get_by_role("status").last.inner_text()

    assert Voucher.objects.get(pk=percent.pk).state == Voucher.objects.get(pk=bearer.pk).state == "redeemed"


def test_a_stamp_whose_answer_was_lost_is_retried_with_the_same_scan_id_and_lands_once(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=8))
    staff_member(merchant, email="barista@example.com")
    sent = []

    def lose_the_first_answer(route):
        sent.append(json.loads(route.request.post_data)["scan_id"])
        if len(sent) == 1:
            route.fetch()  # the server stamps the card...
            route.abort("connectionreset")  # ...but the answer never reaches the phone
        else:
            route.continue_()

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")
        page.route("**/scanner/api/cards/*/stamps", lose_the_first_answer)
        page.get_by_label("Card number").fill(card.number)
        page.get_by_role("button", name="Find the card").click()
        page.get_by_role("button", name="Add a stamp").click()

        page.get_by_text("The stamp may not have landed.").wait_for()
        page.get_by_role("button", name="Try again").click()
        page.get_by_text("It had already been recorded").wait_for()
        assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"

        page.get_by_role("button", name="Add a stamp").click()  # a new stamp gets a new scan_id
        page.get_by_test_id("stamps").filter(has_text="2 of 8 stamps").wait_for()

    assert len(sent) == 3 and sent[0] == sent[1] != sent[2]
    assert len(stamp_events(card)) == 2


def test_a_usb_scanner_typing_a_card_qr_opens_the_card(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant)
    olena = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    taras = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Taras Bulba"))
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="manual")
        page.keyboard.type(olena.qr_payload + "\n")  # into the focused card number field
        page.get_by_test_id("customer-name").filter(has_text="Olena Kovalenko").wait_for()

        page.get_by_test_id("card-number").click()  # the focus on the page, not in a field
        page.keyboard.type(taras.qr_payload + "\n")
        page.get_by_test_id("customer-name").filter(has_text="Taras Bulba").wait_for()
    assert stamp_events(olena) == stamp_events(taras) == []
