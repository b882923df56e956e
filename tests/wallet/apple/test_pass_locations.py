"""pass.json's ``locations``: at most ten, nearest to the card's last visit first, each with the location's own lock
screen text or a default in the pass's language; a hidden location is neither on the lock screen nor on the back."""

import json
from decimal import Decimal

import pytest

from stampcard.wallet import geo
from stampcard.wallet.apple import pkpass
from tests.factories import LocationFactory
from tests.wallet.apple.conftest import unzip
from tests.wallet.test_geo import a_row_of_locations, stamped_at

pytestmark = pytest.mark.django_db


def pass_json(apple_pass) -> dict:
    return json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])


def test_the_pass_carries_the_ten_locations_nearest_its_last_visit_in_order_of_distance(apple_pass, owner, merchant):
    row = a_row_of_locations(merchant, 15)
    stamped_at(owner, apple_pass.card, row[11])

    points = pass_json(apple_pass)["locations"]

    assert len(points) == geo.MAX_PASS_LOCATIONS
    assert {tuple(sorted(point)) for point in points} == {("latitude", "longitude", "relevantText")}
    distances = [geo.distance_m(50.51, 30, p["latitude"], p["longitude"]) for p in points]
    assert distances == sorted(distances) and distances[0] == 0
    # L11 itself and its neighbours both ways, as far as the row goes (it ends at 50.54): 50.45 to 50.54.
    assert sorted(round(p["latitude"], 2) for p in points) == [round(50.45 + i / 100, 2) for i in range(10)]


def test_a_locations_own_text_shows_else_a_default_in_the_pass_language(apple_pass, merchant):
    merchant.locale = "en"
    merchant.save(update_fields=["locale"])
    LocationFactory(merchant=merchant, name="Podil", latitude=Decimal("50.465"), longitude=Decimal("30.515"))
    LocationFactory(
        merchant=merchant,
        name="Lavra",
        latitude=Decimal("50.43"),
        longitude=Decimal("30.55"),
        relevant_text="Your coffee is 2 stamps away: come in!",
    )

    texts = [point["relevantText"] for point in pass_json(apple_pass)["locations"]]

    assert texts == ["Podil is near: show your card", "Your coffee is 2 stamps away: come in!"]


def test_a_location_hidden_from_passes_is_on_neither_the_lock_screen_nor_the_back(apple_pass, merchant):
    merchant.locale = "en"
    merchant.save(update_fields=["locale"])
    LocationFactory(merchant=merchant, name="Podil", latitude=Decimal("50.465"), longitude=Decimal("30.515"))
    LocationFactory(
        merchant=merchant, name="Kitchen", latitude=Decimal("50.40"), longitude=Decimal("30.60"), show_on_passes=False
    )

    data = pass_json(apple_pass)

    assert [point["latitude"] for point in data["locations"]] == [50.465]
    back = {field["key"]: field["value"] for field in data["storeCard"]["backFields"]}
    assert "Podil" in back["locations"] and "Kitchen" not in back["locations"]
