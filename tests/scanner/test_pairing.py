"""Pairing a device: a staff login gets a short-lived ticket and the locations it may pair at."""

import hashlib
from datetime import timedelta

import pytest

from stampcard.core import clock
from stampcard.merchants.models import Role
from stampcard.scanner.models import DeviceMode, ScannerDevice
from tests.factories import LocationFactory, MembershipFactory, MerchantFactory
from tests.scanner.conftest import PASSWORD, DeviceClient, fixed_clock, staff_member

pytestmark = pytest.mark.django_db


def login(email, password=PASSWORD, client=None):
    return (client or DeviceClient()).post("/login", {"email": email, "password": password})


def pair(ticket, location, name="Front counter tablet", mode="manual"):
    return DeviceClient().post(
        "/devices", {"ticket": ticket, "location_id": str(location.pk), "name": name, "mode": mode}
    )


def test_a_staff_login_gets_a_ticket_and_the_locations_it_may_pair_at(staff, location):
    response = login(staff.user.email)

    assert response.status_code == 200
    body = response.json()
    assert body["staff"]["email"] == staff.user.email
    assert body["locations"] == [
        {
            "id": str(location.pk),
            "name": location.name,
            "merchant": {"id": str(staff.merchant.pk), "name": staff.merchant.name},
        }
    ]
    assert body["ticket"]


def test_the_email_is_matched_whatever_its_case_and_spaces(staff):
    assert login(f"  {staff.user.email.upper()} ").status_code == 200


def test_a_wrong_password_or_an_unknown_email_is_invalid_credentials(staff):
    wrong = login(staff.user.email, "not the password")
    unknown = login("nobody@example.com")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert "ticket" not in wrong.json()


def test_a_deactivated_staff_login_cannot_log_in(staff):
    staff.user.is_active = False
    staff.user.save()

    assert login(staff.user.email).json()["code"] == "invalid_credentials"


def test_locations_are_every_active_one_of_each_active_membership_narrowed_to_its_own(merchant, location):
    second = LocationFactory(merchant=merchant)
    LocationFactory(merchant=merchant, is_active=False)
    other_merchant = MerchantFactory()
    other_spot = LocationFactory(merchant=other_merchant)
    LocationFactory(merchant=other_merchant)  # not one of that membership's locations
    person = staff_member(merchant)
    MembershipFactory(merchant=other_merchant, user=person.user).locations.set([other_spot])

    locations = login(person.user.email).json()["locations"]

    assert {loc["id"] for loc in locations} == {str(location.pk), str(second.pk), str(other_spot.pk)}


def test_a_deactivated_membership_gives_no_locations(staff):
    staff.is_active = False
    staff.save()

    assert login(staff.user.email).json()["locations"] == []


def test_failed_logins_are_limited_per_email(staff):
    for _ in range(10):
        assert login(staff.user.email, "wrong").status_code == 401

    refused = login(staff.user.email)  # even the right password now waits

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) == refused.json()["details"]["retry_after"] > 0


def test_failed_logins_are_limited_per_ip_across_emails(merchant):
    people = [staff_member(merchant) for _ in range(2)]
    for i in range(50):
        assert login(f"guess{i}@example.com", "wrong").status_code == 401

    assert login(people[0].user.email).status_code == 429
    other_ip = DeviceClient()
    other_ip.http.defaults["REMOTE_ADDR"] = "198.51.100.1"
    assert login(people[1].user.email, client=other_ip).status_code == 200


def test_a_successful_login_gives_its_attempt_back(staff):
    for _ in range(9):
        login(staff.user.email, "wrong")
    for _ in range(5):
        assert login(staff.user.email).status_code == 200

    assert login(staff.user.email, "wrong").status_code == 401  # the tenth failure is still allowed
    assert login(staff.user.email).status_code == 429


def test_pairing_creates_a_device_that_acts_as_the_staff_member_with_a_hashed_token(staff, location):
    ticket = login(staff.user.email).json()["ticket"]

    response = pair(ticket, location, mode="kiosk")

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("scn_") and len(body["token"]) > 40
    device = ScannerDevice.objects.get()
    assert device.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in device.token_hash
    assert (device.paired_by, device.location, device.mode) == (staff, location, DeviceMode.KIOSK)
    assert body["device"] == {
        "id": str(device.pk),
        "name": "Front counter tablet",
        "mode": "kiosk",
        "location": {"id": str(location.pk), "name": location.name},
        "merchant": {"id": str(staff.merchant.pk), "name": staff.merchant.name, "currency": "UAH"},
        "paired_by": staff.user.email,
        "paired_at": body["device"]["paired_at"],
        "sound": True,
    }
    assert DeviceClient(body["token"]).get("/device").json()["id"] == str(device.pk)


def test_a_ticket_is_good_for_ten_minutes(staff, location):
    t0 = clock.now()
    with fixed_clock(t0):
        ticket = login(staff.user.email).json()["ticket"]
    with fixed_clock(t0 + timedelta(minutes=10) - timedelta(seconds=1)):
        assert pair(ticket, location).status_code == 201
    with fixed_clock(t0 + timedelta(minutes=10)):
        expired = pair(ticket, location)

    assert expired.status_code == 401
    assert expired.json()["code"] == "invalid_ticket"


def test_a_tampered_ticket_is_invalid(staff, location):
    ticket = login(staff.user.email).json()["ticket"]

    assert pair(ticket[:-2] + "xx", location).json()["code"] == "invalid_ticket"
    assert pair("not a ticket", location).json()["code"] == "invalid_ticket"


def test_a_ticket_dies_with_a_password_change(staff, location):
    ticket = login(staff.user.email).json()["ticket"]
    staff.user.set_password("a brand new password 99")
    staff.user.save()

    assert pair(ticket, location).json()["code"] == "invalid_ticket"


def test_a_location_outside_the_login_is_not_found(staff, location):
    ticket = login(staff.user.email).json()["ticket"]
    others = LocationFactory()  # another merchant's
    inactive = LocationFactory(merchant=staff.merchant, is_active=False)

    for target in (others, inactive):
        response = pair(ticket, target)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert ScannerDevice.objects.count() == 0


def test_a_membership_limited_to_one_location_cannot_pair_at_another(merchant, location):
    second = LocationFactory(merchant=merchant)
    person = staff_member(merchant, Role.MANAGER, locations=[location])
    ticket = login(person.user.email).json()["ticket"]

    assert pair(ticket, second).status_code == 404
    assert pair(ticket, location).status_code == 201


def test_bad_pairing_input_is_a_422_naming_the_field(staff, location):
    ticket = login(staff.user.email).json()["ticket"]

    blank = pair(ticket, location, name="   ")
    bad_mode = pair(ticket, location, mode="party")

    assert blank.status_code == bad_mode.status_code == 422
    assert blank.json()["details"]["fields"][0]["field"] == "name"
    assert bad_mode.json()["details"]["fields"][0]["field"] == "mode"
