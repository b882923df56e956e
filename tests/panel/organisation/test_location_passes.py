"""A location as wallet passes show it: coordinates typed or pasted (numbers or a Google Maps link), a lock screen
text, "show on passes"; errors say what to fix; a change that passes show queues one refresh of every pass of the
merchant, in the change's transaction, and the worker marks the cards a wallet holds changed for the change feed."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from stampcard.cards.models import Card, CardChange
from stampcard.merchants.models import Location
from stampcard.wallet import tasks as wallet_tasks
from tests.conftest import reload
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db

MAPS_LINK = (
    "https://www.google.com/maps/place/Lviv+Croissants/@50.4476343,30.5183612,17z/"
    "data=!3m1!4b1!4m6!3m5!1s0x40d4ce5!8m2!3d50.4476309!4d30.5209361!16s%2Fg%2F11c"
)


def _form(**fields) -> dict:
    data = {"name": "Khreshchatyk", "address": "Khreshchatyk St 22", "latitude": "", "longitude": ""}
    data["show_on_passes"] = "on"
    data.update(fields)
    return {name: value for name, value in data.items() if value is not None}


def refreshes_queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="wallet_merchant_cards_touch").count()


def edit(client, location, **fields):
    return client.post(reverse("panel:location-edit", args=[location.pk]), _form(**fields))


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        ("50.4501, 30.5234", ("50.450100", "30.523400")),
        ("50,4501; 30,5234", ("50.450100", "30.523400")),
        ("50.4501° N, 30.5234° E", ("50.450100", "30.523400")),
        ("-33.8568 151.2153", ("-33.856800", "151.215300")),
        (MAPS_LINK, ("50.447631", "30.520936")),  # the place's pin (!3d!4d), not the map's centre (@)
        ("https://maps.google.com/?q=50.4501,30.5234", ("50.450100", "30.523400")),
        ("https://www.google.com/maps/@50.4501,30.5234,15z", ("50.450100", "30.523400")),
    ],
)
def test_pasted_coordinates_or_a_maps_link_fill_in_latitude_and_longitude(shop, manager_client, pasted, expected):
    response = edit(manager_client, shop.location, coordinates=pasted)

    assert response.status_code == 302, response.context["form"].errors
    location = reload(shop.location)
    assert (location.latitude, location.longitude) == (Decimal(expected[0]), Decimal(expected[1]))


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"coordinates": "near the park"}, "coordinates", "No coordinates found. Paste two numbers"),
        ({"coordinates": "https://maps.app.goo.gl/Ab12Cd"}, "coordinates", "short map link has no coordinates"),
        ({"coordinates": "150.4501, 30.5234"}, "coordinates", "Are the two swapped?"),
        ({"latitude": "95", "longitude": "30"}, "latitude", None),
        ({"latitude": "50.45", "longitude": ""}, "latitude", "Give both latitude and longitude"),
        ({"relevant_text": "x" * 91}, "relevant_text", "90"),
    ],
)
def test_bad_input_is_refused_under_its_field_saying_what_to_fix(shop, manager_client, fields, field, says):
    response = edit(manager_client, shop.location, **fields)

    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and (says is None or says in errors[0]), errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert refreshes_queued() == 0


def test_a_pasted_pair_is_shown_in_the_number_inputs_when_another_field_is_refused(shop, manager_client):
    response = edit(manager_client, shop.location, coordinates="50.4501, 30.5234", name="")

    form = response.context["form"]
    assert form.errors["name"] and "coordinates" not in form.errors
    assert (form["latitude"].value(), form["longitude"].value(), form["coordinates"].value()) == (
        "50.450100",
        "30.523400",
        "",
    )


def test_lock_screen_text_and_show_on_passes_are_saved(shop, manager_client):
    edit(manager_client, shop.location, relevant_text="  Your coffee is  2 stamps away! ", show_on_passes=None)

    location = reload(shop.location)
    assert location.relevant_text == "Your coffee is 2 stamps away!"
    assert location.show_on_passes is False


def test_a_change_passes_show_queues_one_refresh_and_the_worker_marks_the_wallet_cards_changed(
    shop, manager_client, monkeypatch, django_capture_on_commit_callbacks
):
    held = [CardFactory(program=shop.program, in_wallet=True) for _ in range(3)]
    web_only = CardFactory(program=shop.program)
    before = {card.pk: reload(card).changed_at for card in [*held, web_only]}

    assert edit(manager_client, shop.location, latitude="50.45", longitude="30.52").status_code == 302
    assert refreshes_queued() == 1
    assert CardChange.objects.count() == 0  # the request only queued the work

    monkeypatch.setattr(wallet_tasks, "TOUCH_BATCH", 2)  # more than one batch
    with django_capture_on_commit_callbacks(execute=False):
        outcome = wallet_tasks.wallet_merchant_cards_touch.call(merchant_id=str(shop.merchant.pk))

    assert outcome == {"touched": 3}
    assert sorted(CardChange.objects.values_list("card_id", flat=True)) == sorted(card.pk for card in held)
    assert all(reload(card).changed_at != before[card.pk] for card in held)
    assert Card.objects.get(pk=web_only.pk).changed_at == before[web_only.pk]


def test_saving_without_changing_what_passes_show_queues_nothing(shop, manager_client):
    Location.objects.filter(pk=shop.location.pk).update(name="Khreshchatyk", address="Khreshchatyk St 22")

    assert edit(manager_client, shop.location, day0_opens="08:00", day0_closes="20:00").status_code == 302

    assert refreshes_queued() == 0


def test_deactivating_a_location_refreshes_the_passes(shop, owner_client):
    second = Location.objects.create(merchant=shop.merchant, name="Podil")

    owner_client.post(reverse("panel:location-active", args=[second.pk]))

    assert reload(second).is_active is False and refreshes_queued() == 1
