"""Device tokens: anything but a paired device of an active staff member at an active location is 401."""

from datetime import timedelta

import pytest

from stampcard.core import clock
from stampcard.scanner import services
from tests.factories import LocationFactory
from tests.scanner.conftest import DeviceClient, fixed_clock, pair_device

pytestmark = pytest.mark.django_db


def assert_unpaired(response):
    assert response.status_code == 401
    assert response.json()["code"] == "device_unpaired"


def test_a_paired_device_reads_itself(manual):
    device, client = manual

    response = client.get("/device")

    assert response.status_code == 200
    assert response.json()["id"] == str(device.pk)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer scn_unknown", "Bearer sc_abc_def", "Basic scn_x", "Bearer " + "scn_" + "a" * 200],
)
def test_missing_malformed_and_unknown_tokens_are_device_unpaired(manual, header):
    client = DeviceClient()
    if header is not None:
        client.http.defaults["HTTP_AUTHORIZATION"] = header

    assert_unpaired(client.get("/device"))


def test_an_unpaired_device_stops_at_its_next_request(manual):
    device, client = manual
    services.device_unpair(device=device, by=None)

    assert_unpaired(client.get("/device"))


def test_deactivating_the_pairing_membership_stops_the_device(manual, staff):
    _device, client = manual
    staff.is_active = False
    staff.save()

    assert_unpaired(client.get("/device"))


def test_deactivating_the_staff_login_stops_the_device(manual, staff):
    _device, client = manual
    staff.user.is_active = False
    staff.user.save()

    assert_unpaired(client.get("/device"))


def test_deactivating_the_location_stops_the_device(manual, location):
    _device, client = manual
    location.is_active = False
    location.save()

    assert_unpaired(client.get("/device"))


def test_taking_the_location_off_the_membership_stops_the_device(manual, staff, merchant):
    _device, client = manual
    staff.locations.set([LocationFactory(merchant=merchant)])

    assert_unpaired(client.get("/device"))


def test_a_device_logs_itself_out(manual):
    device, client = manual

    assert client.delete("/device").status_code == 204

    assert_unpaired(client.get("/device"))
    device.refresh_from_db()
    assert device.unpaired_at is not None and device.unpaired_by == device.paired_by.user


def test_last_seen_is_written_at_most_once_a_minute(staff, location, program):
    t0 = clock.now()
    with fixed_clock(t0):
        device, token = pair_device(staff, location)
        client = DeviceClient(token)
        client.get("/device")
    device.refresh_from_db()
    assert device.last_seen_at == t0

    with fixed_clock(t0 + timedelta(seconds=59)):
        client.get("/device")
    device.refresh_from_db()
    assert device.last_seen_at == t0

    with fixed_clock(t0 + timedelta(seconds=60)):
        client.get("/device")
    device.refresh_from_db()
    assert device.last_seen_at == t0 + timedelta(seconds=60)
