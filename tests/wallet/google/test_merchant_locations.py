"""Google Wallet gets each card's ten nearest locations as the object's ``merchantLocations`` (Google's geofenced
notifications; the older ``locations`` is deprecated and no longer triggers them), sent even when empty so a hidden
location leaves the card. The stand-in refuses what Google refuses: more than ten, or coordinates out of range."""

from decimal import Decimal

import pytest

from stampcard.sandbox import google_wallet_schema
from stampcard.wallet.google import services
from stampcard.wallet.google.client import WalletClient, http_client
from tests.factories import LocationFactory
from tests.sandbox.test_google_schema import CLASS_ID, OBJECT_ID, a_class, an_object, api, refused, standin  # noqa: F401
from tests.wallet.google.helpers import object_of, save_link_token
from tests.wallet.test_geo import a_row_of_locations, stamped_at

pytestmark = pytest.mark.django_db


def sync(card) -> None:
    with http_client() as client:
        services.objects_sync(card_ids=[card.pk], client=WalletClient(http=client))


def test_the_object_carries_the_ten_locations_nearest_the_last_visit(google, card, owner, merchant):
    row = a_row_of_locations(merchant, 13)
    save_link_token(card)
    stamped_at(owner, card, row[12])
    sync(card)

    stored = google.stored_object(object_of(card).object_id)

    assert [round(point["latitude"], 2) for point in stored["merchantLocations"]] == [
        round(50.52 - i / 100, 2) for i in range(10)
    ]
    assert all(set(point) == {"latitude", "longitude"} for point in stored["merchantLocations"])
    assert "locations" not in stored  # deprecated: "not supported to trigger geo notifications"


def test_hiding_the_last_location_clears_it_from_the_object(google, card, merchant):
    place = LocationFactory(merchant=merchant, latitude=Decimal("50.45"), longitude=Decimal("30.52"))
    save_link_token(card)
    assert google.stored_object(object_of(card).object_id)["merchantLocations"] == [
        {"latitude": 50.45, "longitude": 30.52}
    ]
    place.show_on_passes = False
    place.save(update_fields=["show_on_passes"])

    sync(card)

    assert google.stored_object(object_of(card).object_id)["merchantLocations"] == []


def test_the_stand_in_refuses_eleven_merchant_locations_and_coordinates_out_of_range(api):  # noqa: F811
    assert api.post("/loyaltyClass", json=a_class()).status_code == 200
    eleven = [{"latitude": 50.0 + i / 100, "longitude": 30.0} for i in range(11)]

    refused(api.post("/loyaltyObject", json=an_object(merchantLocations=eleven)), "at most 10")
    refused(
        api.post("/loyaltyObject", json=an_object(merchantLocations=[{"latitude": 91, "longitude": 30}])),
        "merchantLocations[0].latitude",
    )
    ten = api.post("/loyaltyObject", json=an_object(merchantLocations=eleven[:10]))
    assert ten.status_code == 200 and len(ten.json()["merchantLocations"]) == 10
    refused(api.patch(f"/loyaltyObject/{OBJECT_ID}", json={"merchantLocations": eleven}), "at most 10")


def test_googles_schema_knows_merchant_locations_on_the_object_and_marks_locations_deprecated():
    properties = google_wallet_schema.discovery_document()["schemas"]["LoyaltyObject"]["properties"]

    assert properties["locations"].get("deprecated") is True
    assert properties["merchantLocations"]["items"] == {"$ref": "MerchantLocation"}
    assert "maximum of ten" in properties["merchantLocations"]["description"]
