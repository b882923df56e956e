"""The device's mode decides what it may do; leaving kiosk mode needs a staff member's password."""

import uuid

import pytest

from stampcard.merchants.models import Role
from stampcard.scanner.models import ScannerDevice
from tests.factories import MerchantFactory
from tests.scanner.conftest import PASSWORD, staff_member

pytestmark = pytest.mark.django_db


def assert_not_allowed(response):
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed_in_mode"


def test_a_kiosk_cannot_use_manual_stamps(kiosk, card):
    _device, client = kiosk

    assert_not_allowed(client.stamp(card))
    card.refresh_from_db()
    assert card.stamps == 0


def test_a_manual_device_cannot_make_self_service_scans(manual, card):
    _device, client = manual

    assert_not_allowed(client.scan(card))


@pytest.mark.parametrize("mode", ["kiosk", "autopilot"])
def test_self_service_devices_do_not_look_cards_up_by_number(request, mode, card):
    _device, client = request.getfixturevalue(mode)

    by_number = client.get(f"/cards/{card.number}")
    scan_by_number = client.post("/scans", {"qr": card.number, "scan_id": str(uuid.uuid4())})

    assert by_number.status_code == scan_by_number.status_code == 404
    assert client.get(f"/cards/{card.qr_payload}").status_code == 200


def test_a_manual_device_looks_cards_up_by_number_or_qr(manual, card):
    _device, client = manual

    assert client.get(f"/cards/{card.number}").json()["number"] == card.number
    assert client.get(f"/cards/{card.qr_payload}").json()["number"] == card.number


def test_a_kiosk_shows_the_guest_only_their_first_name(kiosk, manual, card):
    card.customer.name = "Olena Kovalenko"
    card.customer.save()

    assert kiosk[1].get(f"/cards/{card.qr_payload}").json()["customer_name"] == "Olena"
    assert manual[1].get(f"/cards/{card.qr_payload}").json()["customer_name"] == "Olena Kovalenko"


def test_switching_into_kiosk_mode_needs_no_password(manual):
    device, client = manual

    response = client.post("/device/mode", {"mode": "kiosk"})

    assert response.status_code == 200 and response.json()["mode"] == "kiosk"
    device.refresh_from_db()
    assert device.mode == "kiosk"


def test_switching_between_manual_and_autopilot_needs_no_password(manual):
    _device, client = manual

    assert client.post("/device/mode", {"mode": "autopilot"}).json()["mode"] == "autopilot"
    assert client.post("/device/mode", {"mode": "manual"}).json()["mode"] == "manual"


@pytest.mark.parametrize(
    "credentials",
    [{}, {"email": "nobody@example.com", "password": PASSWORD}, {"email": None, "password": "wrong"}],
)
def test_leaving_kiosk_mode_without_a_valid_staff_password_is_refused(kiosk, staff, credentials):
    device, client = kiosk
    if credentials.get("email", "") is None:
        credentials = {**credentials, "email": staff.user.email}

    response = client.post("/device/mode", {"mode": "manual", **credentials})

    assert response.status_code == 403
    assert response.json()["code"] == "staff_password_required"
    device.refresh_from_db()
    assert device.mode == "kiosk"


def test_any_active_staff_member_of_the_merchant_may_leave_kiosk_mode(kiosk, merchant):
    _device, client = kiosk
    colleague = staff_member(merchant, Role.CASHIER)

    response = client.post("/device/mode", {"mode": "manual", "email": colleague.user.email, "password": PASSWORD})

    assert response.status_code == 200 and response.json()["mode"] == "manual"


def test_another_merchants_staff_cannot_leave_kiosk_mode(kiosk):
    _device, client = kiosk
    stranger = staff_member(MerchantFactory(), Role.OWNER)

    response = client.post("/device/mode", {"mode": "manual", "email": stranger.user.email, "password": PASSWORD})

    assert response.json()["code"] == "staff_password_required"


def test_wrong_staff_passwords_on_a_kiosk_are_limited(kiosk, staff):
    _device, client = kiosk
    for _ in range(10):
        client.post("/device/mode", {"mode": "manual", "email": staff.user.email, "password": "guess"})

    response = client.post("/device/mode", {"mode": "manual", "email": staff.user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


def test_a_kiosk_logs_out_only_with_a_staff_password(kiosk, staff):
    device, client = kiosk

    refused = client.delete("/device")
    accepted = client.delete("/device", {"email": staff.user.email, "password": PASSWORD})

    assert refused.status_code == 403 and refused.json()["code"] == "staff_password_required"
    assert accepted.status_code == 204
    assert ScannerDevice.objects.get(pk=device.pk).unpaired_at is not None


def test_a_kiosk_cannot_hand_over_awards(kiosk):
    _device, client = kiosk

    assert_not_allowed(client.post(f"/rewards/{uuid.uuid4()}/hand-over"))
