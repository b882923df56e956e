"""The merchant side: managers list paired devices and unpair one remotely (API v1 and the Django admin)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stampcard.merchants.models import StaffUser
from tests.factories import LocationFactory, MerchantFactory
from tests.scanner.conftest import DeviceClient, pair_device, staff_member

pytestmark = pytest.mark.django_db


def test_a_manager_lists_the_merchants_devices(manual, manager, staff):
    device, client = manual
    client.get("/device")

    response = manager.client().get("/api/v1/scanner/devices")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["id"], row["name"], row["mode"], row["paired_by"]) == (
        str(device.pk),
        "Counter tablet",
        "manual",
        staff.user.email,
    )
    assert row["last_seen_at"] is not None and row["unpaired_at"] is None


def test_remote_unpairing_stops_the_token_at_its_next_request(manual, manager):
    device, client = manual
    assert client.get("/device").status_code == 200

    response = manager.client().post(f"/api/v1/scanner/devices/{device.pk}/unpair")

    assert response.status_code == 200
    assert response.json()["unpaired_at"] is not None
    assert response.json()["unpaired_by"] == manager.membership.user.email
    after = client.get("/device")
    assert after.status_code == 401 and after.json()["code"] == "device_unpaired"


def test_unpairing_twice_keeps_the_first_record(manual, manager, owner):
    device, _client = manual
    first = manager.client().post(f"/api/v1/scanner/devices/{device.pk}/unpair").json()

    again = owner.client().post(f"/api/v1/scanner/devices/{device.pk}/unpair").json()

    assert again["unpaired_at"] == first["unpaired_at"] and again["unpaired_by"] == first["unpaired_by"]


def test_a_cashier_key_cannot_unpair_or_list_devices(manual, cashier):
    device, client = manual

    assert cashier.client().post(f"/api/v1/scanner/devices/{device.pk}/unpair").status_code == 403
    assert cashier.client().get("/api/v1/scanner/devices").json()["code"] == "role_forbidden"
    assert client.get("/device").status_code == 200


def test_another_merchants_device_is_not_found(manager):
    other = MerchantFactory()
    spot = LocationFactory(merchant=other)
    device, _token = pair_device(staff_member(other), spot)

    response = manager.client().post(f"/api/v1/scanner/devices/{device.pk}/unpair")

    assert response.status_code == 404 and response.json()["code"] == "device_not_found"


def test_a_key_bound_to_one_location_sees_that_locations_devices_only(manager, staff, merchant, location):
    elsewhere = LocationFactory(merchant=merchant)
    here, _ = pair_device(staff, location)
    there, _ = pair_device(staff, elsewhere)

    listed = manager.client().get("/api/v1/scanner/devices").json()["results"]

    assert [row["id"] for row in listed] == [str(here.pk)]
    assert manager.client().post(f"/api/v1/scanner/devices/{there.pk}/unpair").status_code == 404


def test_the_admin_unpairs_devices(client, manual):
    device, device_client = manual
    operator = StaffUser.objects.create_superuser(email="operator@example.com", password="long enough secret 42")
    client.force_login(operator)

    response = client.post(
        reverse("admin:scanner_scannerdevice_changelist"),
        {"action": "unpair", "_selected_action": [str(device.pk)]},
    )

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.unpaired_at is not None and device.unpaired_by == operator
    assert device_client.get("/device").status_code == 401
    assert DeviceClient(None).get("/device").status_code == 401


def test_the_device_list_costs_the_same_queries_for_one_device_or_many(manager, staff, location):
    client = manager.client()
    pair_device(staff, location)
    client.get("/api/v1/scanner/devices")  # the key's first use records its last use: not part of the list's cost
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/scanner/devices")
    for _ in range(4):
        pair_device(staff, location)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/v1/scanner/devices").json()["results"]) == 5

    assert len(five) == len(one)
