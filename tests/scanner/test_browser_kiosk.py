"""The self-service kiosk in a real browser: a guest scans their own card with the tablet's camera."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Actor, Channel
from stampcard.scanner.models import ScannerDevice
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from tests.browser import chromium
from tests.factories import CardFactory, CustomerFactory, LocationFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, make_lottery, variant
from tests.scanner.scanner_browser import (
    PASSWORD,
    TABLET,
    card_video,
    fake_camera_args,
    pair,
    scanner_page,
    staff_member,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_scans_their_card_is_refused_the_second_time_and_uses_a_voucher(live_server, merchant, tmp_path):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8, selfservice_visit_window_minutes=180)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    [voucher] = vouchers_services.voucher_issue(
        actor=Actor(merchant=merchant, channel=Channel.SYSTEM), title="Free croissant", card=card
    )
    staff_member(merchant, email="manager@example.com")
    # The guest holds the card up for 1.5 s, then takes it away for 1.5 s, over and over.
    video = card_video(tmp_path / "card.y4m", card.qr_payload, frames=15, blank_frames=15)

    with chromium(*fake_camera_args(video)) as browser:
        page = scanner_page(browser, live_server, viewport=TABLET, camera=True)
        pair(page, email="manager@example.com", location_name="Podil", mode="kiosk", device_name="Kiosk")
        page.get_by_role("button", name="Tap to start").click()

        # the first scan: a stamp, and the guest sees their progress and voucher (first name only)
        page.get_by_test_id("stamped").wait_for()
        assert page.get_by_test_id("stamped").inner_text() == "+1 stamp!"
        assert page.get_by_test_id("greeting").inner_text() == "Hi, Olena!"
        assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"
        assert page.locator("html").get_attribute("data-decoder") == "jsqr"  # no BarcodeDetector in headless Linux
        assert page.get_by_role("button", name="Add a stamp").count() == 0  # no staff actions here
        card.refresh_from_db()
        assert card.stamps == 1

        # the same card again within the visit window: refused, in plain words, with the card still shown
        page.get_by_role("button", name="Done").click()
        refusal = page.get_by_test_id("refusal")
        refusal.wait_for()
        assert refusal.inner_text().startswith("You already collected a stamp here")
        assert page.get_by_test_id("stamps").inner_text() == "1 of 8 stamps"
        card.refresh_from_db()
        assert card.stamps == 1

        # the guest uses their voucher themselves
        page.get_by_test_id("voucher").get_by_role("button", name="Use now").click()
        page.get_by_role("button", name="Yes, use it").click()
        page.get_by_test_id("voucher-used").wait_for()
        assert "Free croissant" in page.get_by_test_id("voucher-used").inner_text()
        voucher.refresh_from_db()
        assert voucher.state == "redeemed"

    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1
    assert Voucher.objects.get(pk=voucher.pk).state == "redeemed"


def test_an_unknown_qr_is_explained_and_left_alone_the_kiosk_goes_back_to_scan_your_card(
    live_server, merchant, tmp_path
):
    LocationFactory(merchant=merchant, name="Podil")
    ProgramFactory(merchant=merchant)
    staff_member(merchant, email="manager@example.com")
    video = card_video(tmp_path / "menu.y4m", "HTTPS://EXAMPLE.COM/MENU")  # some other QR, held still

    with chromium(*fake_camera_args(video)) as browser:
        page = scanner_page(browser, live_server, viewport=TABLET, camera=True)
        page.clock.install()
        pair(page, email="manager@example.com", location_name="Podil", mode="kiosk", device_name="Kiosk")
        page.get_by_role("button", name="Tap to start").click()
        page.get_by_test_id("refusal").filter(has_text="We do not know this card").wait_for()

        page.clock.fast_forward("00:40")
        assert page.get_by_test_id("kiosk").get_attribute("data-state") == "problem"
        page.clock.fast_forward("00:10")  # 45 seconds without a touch
        page.get_by_text("Scan your card").wait_for()
        assert page.get_by_test_id("kiosk").get_attribute("data-state") == "scan"
        page.wait_for_timeout(1000)  # the same QR, still in the picture, is not taken as a new scan
        assert page.get_by_test_id("kiosk").get_attribute("data-state") == "scan"


def test_leaving_kiosk_mode_needs_a_staff_password(live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    ProgramFactory(merchant=merchant)
    staff_member(merchant, email="manager@example.com")

    with chromium() as browser:
        page = scanner_page(browser, live_server, viewport=TABLET)
        pair(page, email="manager@example.com", location_name="Podil", mode="kiosk", device_name="Kiosk")
        page.get_by_role("button", name="Staff").click()

        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Email").fill("manager@example.com")
        dialog.get_by_label("Password").fill("not the password")
        dialog.get_by_label("Switch this device to").select_option("manual")
        dialog.get_by_role("button", name="Leave kiosk mode").click()
        dialog.get_by_role("alert").wait_for()
        assert ScannerDevice.objects.get().mode == "kiosk"

        dialog.get_by_label("Password").fill(PASSWORD)
        dialog.get_by_role("button", name="Leave kiosk mode").click()
        page.get_by_test_id("manual").wait_for()
        assert ScannerDevice.objects.get().mode == "manual"


def test_a_guest_spins_their_ready_lottery_on_the_kiosk(live_server, merchant, manager, tmp_path):
    LocationFactory(merchant=merchant, name="Podil")
    program = ProgramFactory(merchant=merchant, goal=8)
    card = CardFactory(program=program, customer=CustomerFactory(merchant=merchant, name="Olena Kovalenko"))
    lottery_reward(card, make_lottery(manager.actor(), [variant("award", 1_000_000, "Free croissant")]))
    staff_member(merchant, email="manager@example.com")
    video = card_video(tmp_path / "card.y4m", card.qr_payload)

    with chromium(*fake_camera_args(video)) as browser:
        page = scanner_page(browser, live_server, viewport=TABLET, camera=True)
        pair(page, email="manager@example.com", location_name="Podil", mode="kiosk", device_name="Kiosk")
        page.get_by_role("button", name="Tap to start").click()
        page.get_by_role("button", name="Spin the lottery").click()
        page.get_by_test_id("prize").wait_for()
        assert page.get_by_test_id("prize").inner_text() == "You won: Free croissant"
        assert page.get_by_role("button", name="Spin the lottery").count() == 0

    assert CardEvent.objects.filter(card=card, kind=EventKind.LOTTERY_DRAW).count() == 1
