"""Pairing the scanner app in a real browser: the login screen, its language, staying paired, being unpaired."""

import pytest

from stampcard.scanner import services
from stampcard.scanner.models import ScannerDevice
from tests.browser import chromium
from tests.factories import CardFactory, LocationFactory, ProgramFactory
from tests.scanner.scanner_browser import PASSWORD, pair, scanner_page, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_the_login_screen_follows_the_browser_language_ukrainian(browser, live_server, merchant):
    LocationFactory(merchant=merchant, name="Поділ")
    staff_member(merchant, email="barista@example.com", name="Олена")

    page = scanner_page(browser, live_server, language="uk")
    assert page.locator("html").get_attribute("lang") == "uk"
    page.get_by_role("heading", name="Підключіть цей пристрій").wait_for()
    assert page.get_by_role("button", name="Увійти").is_visible()

    page.get_by_label("Email").fill("barista@example.com")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.get_by_role("heading", name="Налаштуйте цей пристрій").wait_for()
    assert page.get_by_text("Ви увійшли як Олена.").is_visible()
    assert page.get_by_label("Кіоск самообслуговування").count() == 1
    page.context.close()


def test_a_wrong_password_is_refused_and_a_paired_device_stays_paired_after_a_reload(browser, live_server, merchant):
    location = LocationFactory(merchant=merchant, name="Podil")
    staff_member(merchant, email="barista@example.com")

    page = scanner_page(browser, live_server)
    page.get_by_label("Email").fill("barista@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert not ScannerDevice.objects.exists()

    pair(page, email="barista@example.com", location_name="Podil", mode="manual", device_name="Counter phone")
    device = ScannerDevice.objects.get()
    assert (device.name, device.mode, device.location_id) == ("Counter phone", "manual", location.pk)
    assert page.evaluate("localStorage.getItem('stampcard.scanner.token')").startswith("scn_")

    page.reload()
    page.get_by_test_id("manual").wait_for()
    assert page.get_by_test_id("location").inner_text() == "Podil"
    page.context.close()


def test_a_device_unpaired_remotely_goes_back_to_the_login_screen_with_the_reason(browser, live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    card = CardFactory(program=ProgramFactory(merchant=merchant))
    staff_member(merchant, email="barista@example.com")
    page = scanner_page(browser, live_server)
    pair(page, email="barista@example.com", location_name="Podil", mode="manual")

    services.device_unpair(device=ScannerDevice.objects.get(), by=None)  # a manager unpairs it from the panel
    page.get_by_label("Card number").fill(card.number)
    page.get_by_role("button", name="Find the card").click()

    page.get_by_test_id("login").wait_for()
    assert "no longer paired" in page.get_by_test_id("login-reason").inner_text()
    assert page.evaluate("localStorage.getItem('stampcard.scanner.token')") is None
    page.context.close()


def test_logging_out_unpairs_the_device(browser, live_server, merchant):
    LocationFactory(merchant=merchant, name="Podil")
    staff_member(merchant, email="barista@example.com")
    page = scanner_page(browser, live_server)
    pair(page, email="barista@example.com", location_name="Podil", mode="autopilot")

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Log out this device").click()

    page.get_by_test_id("login").wait_for()
    assert ScannerDevice.objects.get().unpaired_at is not None
    page.context.close()
