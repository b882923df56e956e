"""API keys and scanner devices in the panel: created once-shown and hashed, revoked, role rules, unpairing."""

import hashlib
import re

import pytest
from django.urls import reverse

from stampcard.merchants.models import ApiKey, Role
from stampcard.scanner.models import ScannerDevice
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db


def _raw_key(response) -> str:
    found = re.search(r'value="(sc_[a-z0-9]+_[0-9a-f]{40})"', response.content.decode())
    assert found, "the new key is on the page"
    return found.group(1)


def test_a_manager_creates_a_key_shown_once_and_stored_hashed(shop, manager_client, client):
    manager = shop.staff[Role.MANAGER].membership
    response = manager_client.post(
        reverse("panel:key-new"), {"name": "Front till", "membership": manager.pk, "location": shop.location.pk}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = _raw_key(response)
    assert "cannot be shown again" in response.content.decode()
    key = ApiKey.objects.get(name="Front till")
    assert key.membership == manager and key.location == shop.location
    assert key.created_by == manager.user
    assert key.secret_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    # The list shows the prefix only, never the secret again.
    listing = manager_client.get(reverse("panel:keys")).content.decode()
    assert f"sc_{key.prefix}_" in listing and raw not in listing
    # The key works against the API.
    assert client.get("/api/v1/merchant", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_key_for_all_locations(shop, owner_client):
    owner = shop.staff[Role.OWNER].membership
    response = owner_client.post(reverse("panel:key-new"), {"name": "Any", "membership": owner.pk, "location": ""})
    assert response.status_code == 200
    assert ApiKey.objects.get(name="Any").location is None


def test_a_key_needs_a_name(shop, manager_client):
    manager = shop.staff[Role.MANAGER].membership
    response = manager_client.post(reverse("panel:key-new"), {"name": " ", "membership": manager.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiKey.objects.filter(membership=manager, name="").exists()


def test_a_manager_cannot_create_a_key_for_someone_else(shop, manager_client):
    cashier = shop.staff[Role.CASHIER].membership
    before = ApiKey.objects.count()
    response = manager_client.post(reverse("panel:key-new"), {"name": "Sneaky", "membership": cashier.pk})
    assert response.status_code == 200
    assert "membership" in response.context["form"].errors
    assert ApiKey.objects.count() == before


def test_an_owner_creates_a_key_for_a_cashier(shop, owner_client):
    cashier = shop.staff[Role.CASHIER].membership
    response = owner_client.post(reverse("panel:key-new"), {"name": "Till 2", "membership": cashier.pk})
    assert response.status_code == 200
    assert ApiKey.objects.get(name="Till 2").membership == cashier


def test_a_location_outside_the_staff_members_locations_is_refused(shop, owner_client):
    from tests.factories import LocationFactory

    cashier = shop.staff[Role.CASHIER].membership
    elsewhere = LocationFactory(merchant=shop.merchant, name="Elsewhere")
    cashier.locations.set([shop.location])
    response = owner_client.post(
        reverse("panel:key-new"), {"name": "Wrong spot", "membership": cashier.pk, "location": elsewhere.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ApiKey.objects.filter(name="Wrong spot").exists()


def test_another_merchants_location_is_not_a_choice(shop, other_shop, owner_client):
    owner = shop.staff[Role.OWNER].membership
    response = owner_client.post(
        reverse("panel:key-new"), {"name": "X", "membership": owner.pk, "location": other_shop.location.pk}
    )
    assert "location" in response.context["form"].errors


def test_a_revoked_key_is_refused_by_the_api(shop, manager_client, client):
    staff = shop.staff[Role.MANAGER]
    assert client.get("/api/v1/merchant", HTTP_AUTHORIZATION=f"Bearer {staff.raw_key}").status_code == 200
    response = manager_client.post(reverse("panel:key-revoke", args=[staff.api_key.pk]))
    assert response.status_code == 302
    staff.api_key.refresh_from_db()
    assert staff.api_key.revoked_at is not None
    refused = client.get("/api/v1/merchant", HTTP_AUTHORIZATION=f"Bearer {staff.raw_key}")
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_revoked"


def test_a_manager_sees_and_revokes_only_their_own_keys(shop, manager_client):
    cashier_key = shop.staff[Role.CASHIER].api_key
    listing = manager_client.get(reverse("panel:keys")).content.decode()
    assert cashier_key.prefix not in listing
    assert shop.staff[Role.MANAGER].api_key.prefix in listing
    assert manager_client.post(reverse("panel:key-revoke", args=[cashier_key.pk])).status_code == 404
    cashier_key.refresh_from_db()
    assert cashier_key.revoked_at is None


def test_an_owner_revokes_anyones_key(shop, owner_client):
    cashier_key = shop.staff[Role.CASHIER].api_key
    assert owner_client.post(reverse("panel:key-revoke", args=[cashier_key.pk])).status_code == 302
    cashier_key.refresh_from_db()
    assert cashier_key.revoked_at is not None


def test_cashiers_have_no_keys_page(cashier_client):
    assert cashier_client.get(reverse("panel:keys")).status_code == 403
    assert cashier_client.post(reverse("panel:key-new"), {"name": "x"}).status_code == 403


def test_the_page_tells_the_key_goes_into_poster(manager_client):
    assert "Poster" in manager_client.get(reverse("panel:keys")).content.decode()


def test_devices_are_listed_and_unpaired_remotely(shop):
    device = ScannerDevice.objects.create(
        merchant=shop.merchant,
        location=shop.location,
        name="Counter tablet",
        token_hash="x" * 64,
        paired_by=shop.staff[Role.CASHIER].membership,
    )
    manager = signed_in(shop, Role.MANAGER)
    assert "Counter tablet" in manager.get(reverse("panel:keys")).content.decode()
    response = manager.post(reverse("panel:key-device-unpair", args=[device.pk]))
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.unpaired_at is not None
    assert device.unpaired_by == shop.staff[Role.MANAGER].membership.user
    manager.get(reverse("panel:keys"))  # the message is shown once
    assert "Counter tablet" not in manager.get(reverse("panel:keys")).content.decode()


def test_another_merchants_device_answers_404(shop, other_shop, owner_client):
    device = ScannerDevice.objects.create(
        merchant=other_shop.merchant,
        location=other_shop.location,
        name="Theirs",
        token_hash="y" * 64,
        paired_by=other_shop.staff[Role.OWNER].membership,
    )
    assert owner_client.post(reverse("panel:key-device-unpair", args=[device.pk])).status_code == 404
    device.refresh_from_db()
    assert device.unpaired_at is None
