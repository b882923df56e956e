"""Autopilot in a real browser: a barcode scanner in keyboard mode types card QRs, the stamps land by themselves."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from tests.browser import chromium
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory
from tests.scanner.scanner_browser import pair, scanner_page, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a US-layout scanner's key presses become under the Ukrainian keyboard layout of a till (shifted = capital).
UKRAINIAN_LAYOUT = dict(zip("QWERTYUIOPASDFGHJKLZXCVBNM", "ЙЦУКЕНГШЩЗФІВАПРОЛДЯЧСМИТЬ", strict=True))


def scanner_types_under_ukrainian_layout(page, text: str) -> None:
    """Dispatch the key presses a scanner makes for ``text`` + Enter on a till whose layout is Ukrainian."""
    keys = []
    for char in text:
        if char.isalpha():
            keys.append({"key": UKRAINIAN_LAYOUT[char], "code": f"Key{char}", "shiftKey": True})
        elif char.isdigit():
            keys.append({"key": char, "code": f"Digit{char}", "shiftKey": False})
        elif char == ":":
            keys.append({"key": "Ж", "code": "Semicolon", "shiftKey": True})
    keys.append({"key": "Enter", "code": "Enter", "shiftKey": False})
    page.evaluate(
        """keys => { for (const k of keys) document.activeElement.dispatchEvent(
             new KeyboardEvent("keydown", {...k, bubbles: true, cancelable: true})); }""",
        keys,
    )


def stamps_of(card) -> int:
    return CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count()


def test_scanned_cards_get_their_stamps_in_the_background_one_after_the_other(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8)
    olena = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    taras = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Taras Bulba"))
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="autopilot", device_name="Till 1")
        assert page.get_by_test_id("wedge").evaluate("el => el === document.activeElement")

        # two cards right after each other: the second waits while the first is in flight, neither is lost
        in_flight = []

        def hold_the_first_scan(route):
            if in_flight:
                route.continue_()
            else:
                in_flight.append(route)

        page.route("**/scanner/api/scans", hold_the_first_scan)
        page.keyboard.type(olena.qr_payload + "\n")
        page.keyboard.type(taras.qr_payload + "\n")
        page.get_by_test_id("queue-size").filter(has_text="1 scan waiting").wait_for()
        assert len(in_flight) == 1 and stamps_of(olena) == 0
        in_flight[0].continue_()
        page.get_by_test_id("toast").filter(has_text="Olena Kovalenko").wait_for()
        page.get_by_test_id("toast").filter(has_text="Taras Bulba").wait_for()
        assert "1 of 8 stamps" in page.get_by_test_id("toast").filter(has_text="Olena Kovalenko").inner_text()
        assert stamps_of(olena) == 1 and stamps_of(taras) == 1
        assert page.locator("html").get_attribute("data-last-beep") == "ok"
        page.get_by_test_id("autopilot-status").filter(has_text="Ready for the next scan").wait_for()
        assert page.get_by_test_id("wedge").evaluate("el => el === document.activeElement")

        # Olena again within the visit window: refused with the reason, and the page is ready for the next one
        page.keyboard.type(olena.qr_payload + "\n")
        refused = page.locator("[data-testid=toast][data-kind=refused]")
        refused.wait_for()
        assert "You already collected a stamp here" in refused.inner_text()
        assert page.locator("html").get_attribute("data-last-beep") == "refused"
        assert stamps_of(olena) == 1
        assert page.get_by_test_id("scan-log").count() == 3


def test_a_scanner_on_a_till_with_the_ukrainian_keyboard_layout_still_stamps(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    staff_member(merchant, email="barista@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server)
        pair(page, email="barista@example.com", location_name="Podil", mode="autopilot", device_name="Till 1")
        scanner_types_under_ukrainian_layout(page, card.qr_payload)
        page.get_by_test_id("toast").filter(has_text="Olena Kovalenko").wait_for()

    assert stamps_of(card) == 1
