"""Google Wallet gets each card's ten nearest locations as the object's ``merchantLocations`` (Google's geofenced
notifications; the older ``locations`` is deprecated and no longer triggers them), sent even when empty so a hidden
location leaves the card. The stand-in refuses what Google refuses: more than ten, or coordinates out of range."""

from decimal import Decimal

import pytest
from django.urls import reverse

from stampcard.merchants.models import Role
from stampcard.sandbox import google_wallet_schema
from stampcard.wallet.google import services
from stampcard.wallet.google.client import WalletClient, http_client
from tests.factories import LocationFactory
from tests.panel.conftest import signed_in
from tests.panel.objects import shop_create
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


def test_placing_a_location_in_the_panel_reaches_the_object_through_the_worker_and_the_change_feed(
    google, django_capture_on_commit_callbacks
):
    shop = shop_create("Blue Cup")
    save_link_token(shop.card)
    object_id = object_of(shop.card).object_id
    assert google.stored_object(object_id)["merchantLocations"] == []
    form = {"name": shop.location.name, "address": "", "coordinates": "50.4501, 30.5234", "show_on_passes": "on"}

    # Tasks run at once here: the refresh marks the card changed, the feed hands it over after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(shop, Role.MANAGER).post(reverse("panel:location-edit", args=[shop.location.pk]), form)

    assert response.status_code == 302
    assert google.stored_object(object_id)["merchantLocations"] == [{"latitude": 50.4501, "longitude": 30.5234}]
