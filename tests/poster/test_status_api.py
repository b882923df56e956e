"""GET /api/v1/poster/status: the POS app checks the pasted API key and shows what it is connected to."""

import pytest

from stampcard.merchants.models import Role
from stampcard.poster.models import AccountStatus
from tests.conftest import make_staff
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_a_valid_key_shows_the_merchant_and_the_keys_location(cashier, merchant, location, connected):
    response = cashier.client().get("/api/v1/poster/status")
    assert response.status_code == 200
    body = response.json()
    assert body["connected"] is True
    assert body["merchant"] == {"id": str(merchant.pk), "name": merchant.name}
    assert body["location"] == {"id": str(location.pk), "name": location.name}
    assert body["staff"]["role"] == "cashier"
    assert body["poster"]["account"] == "kava-test" and body["poster"]["status"] == "connected"
    assert body["warnings"] == []


def test_a_key_without_a_location_takes_the_location_of_the_spot(merchant, location, connected):
    staff = make_staff(merchant, Role.CASHIER)
    body = staff.client().get("/api/v1/poster/status?account=kava-test&spot_id=1").json()
    assert body["location"] == {"id": str(location.pk), "name": location.name}
    assert body["poster"]["spot"] == {
        "spot_id": "1",
        "name": "Khreshchatyk",
        "location": {"id": str(location.pk), "name": location.name},
    }


def test_a_spot_mapped_elsewhere_than_the_keys_location_is_warned_about(merchant, cashier, connected):
    other = LocationFactory(merchant=merchant)
    connected.spots.filter(spot_id="2").update(location=other)
    body = cashier.client().get("/api/v1/poster/status?spot_id=2").json()
    assert body["location"]["id"] == str(cashier.location.pk)
    assert body["warnings"] == ["location_mismatch"]


def test_without_a_poster_connection_the_key_still_validates(cashier):
    body = cashier.client().get("/api/v1/poster/status?spot_id=1").json()
    assert body["connected"] is True and body["poster"] is None
    assert body["warnings"] == ["poster_not_connected"]


def test_a_disconnected_account_is_shown_with_a_warning(cashier, connected):
    connected.status = AccountStatus.DISCONNECTED
    connected.save()
    body = cashier.client().get("/api/v1/poster/status").json()
    assert body["poster"]["status"] == "disconnected" and "poster_not_connected" in body["warnings"]


def test_a_bad_key_is_401(client):
    response = client.get("/api/v1/poster/status", HTTP_AUTHORIZATION="Bearer sc_aaaaaaaaaa_" + "0" * 40)
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"
    assert client.get("/api/v1/poster/status").status_code == 401


def test_another_merchants_poster_account_is_never_shown(cashier, connected):
    from tests.factories import MerchantFactory

    other = make_staff(MerchantFactory(), Role.CASHIER)
    body = other.client().get("/api/v1/poster/status?account=kava-test&spot_id=1").json()
    assert body["poster"] is None and body["location"] is None
