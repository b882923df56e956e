"""Locations in the panel: add within the plan, coordinates, opening hours, deactivate, roles."""

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import BillingInterval, Location, OpeningHours, Plan
from tests.conftest import reload

pytestmark = pytest.mark.django_db


def _form(**fields) -> dict:
    data = {"name": "Podil", "address": "Sahaidachnoho St 1", "latitude": "", "longitude": ""}
    data.update(fields)
    return data


def _paid(shop, locations: int = 3) -> None:
    merchants_services.subscription_change(
        merchant=shop.merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=locations
    )


def test_the_owner_adds_a_location_with_coordinates_and_hours(shop, owner_client):
    _paid(shop)
    response = owner_client.post(
        reverse("panel:location-new"),
        _form(
            latitude="50.465",
            longitude="30.5156",
            day0_opens="08:00",
            day0_closes="20:00",
            day6_closed="on",
            day5_opens="18:00",
            day5_closes="02:00",
            day5_overnight="on",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    location = Location.objects.get(merchant=shop.merchant, name="Podil")
    assert (location.latitude, location.longitude) == (Decimal("50.465"), Decimal("30.5156"))
    hours = {h.weekday: h for h in OpeningHours.objects.filter(location=location)}
    assert set(hours) == {0, 5, 6}
    assert (hours[0].opens, hours[0].closes, hours[0].closed) == (time(8), time(20), False)
    assert hours[5].overnight and hours[6].closed


def test_a_location_beyond_the_plan_is_refused(shop, owner_client):
    # The free plan covers one location; the shop has it already.
    response = owner_client.post(reverse("panel:location-new"), _form())
    assert response.status_code == 200
    assert "no more locations" in str(response.context["form"].non_field_errors())
    assert not Location.objects.filter(name="Podil").exists()
    assert "location-limit" in owner_client.get(reverse("panel:locations")).content.decode()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"latitude": "91", "longitude": "30"}, "latitude"),
        ({"latitude": "50", "longitude": "-181"}, "longitude"),
        ({"latitude": "north", "longitude": "30"}, "latitude"),
        ({"latitude": "50", "longitude": ""}, "latitude"),
        ({"name": ""}, "name"),
        ({"day1_opens": "20:00", "day1_closes": "08:00"}, "day1_opens"),
        ({"day1_opens": "08:00", "day1_closes": "20:00", "day1_overnight": "on"}, "day1_opens"),
        ({"day2_opens": "08:00"}, "day2_opens"),
        ({"day3_opens": "09:00", "day3_closes": "09:00"}, "day3_opens"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(shop, owner_client, fields, error_field):
    _paid(shop)
    response = owner_client.post(reverse("panel:location-new"), _form(**fields))
    assert response.status_code == 200
    assert response.context["form"].errors[error_field]
    assert not Location.objects.filter(name="Podil").exists()


def test_a_manager_edits_details_and_hours(shop, manager_client):
    response = manager_client.post(
        reverse("panel:location-edit", args=[shop.location.pk]),
        _form(name="Centre", day0_opens="07:30", day0_closes="19:00"),
    )
    assert response.status_code == 302
    location = reload(shop.location)
    assert location.name == "Centre" and location.latitude is None
    assert OpeningHours.objects.get(location=location).opens == time(7, 30)
    # Refused hours leave the details unsaved too.
    manager_client.post(
        reverse("panel:location-edit", args=[shop.location.pk]), _form(name="Other", day0_opens="10:00")
    )
    assert reload(shop.location).name == "Centre"


def test_a_manager_cannot_add_or_deactivate(shop, manager_client):
    assert manager_client.get(reverse("panel:location-new")).status_code == 403
    assert manager_client.post(reverse("panel:location-active", args=[shop.location.pk])).status_code == 403
    assert reload(shop.location).is_active


def test_cashiers_see_no_locations_page(cashier_client):
    assert cashier_client.get(reverse("panel:locations")).status_code == 403


def test_the_owner_deactivates_and_reactivates_within_the_plan(shop, owner_client):
    _paid(shop, locations=1)
    second = Location.objects.create(merchant=shop.merchant, name="Second", is_active=False)
    # Reactivating a second one while the plan covers one is refused.
    owner_client.post(reverse("panel:location-active", args=[second.pk]))
    assert not reload(second).is_active
    # The last active location cannot go.
    owner_client.post(reverse("panel:location-active", args=[shop.location.pk]))
    assert reload(shop.location).is_active
    _paid(shop, locations=2)
    owner_client.post(reverse("panel:location-active", args=[second.pk]))
    assert reload(second).is_active
    owner_client.post(reverse("panel:location-active", args=[shop.location.pk]))
    assert not reload(shop.location).is_active


def test_another_merchants_location_answers_404(other_shop, manager_client):
    assert manager_client.get(reverse("panel:location-edit", args=[other_shop.location.pk])).status_code == 404
