"""Manual mode in a real browser: staff find a card with the camera or by its number, then stamp it."""

import pytest

from stampcard.cards.models import Card, CardEvent, EarningRule, EventKind
from tests.browser import chromium
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory
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
