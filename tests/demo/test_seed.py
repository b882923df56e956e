import json

import pytest
from django.test import Client

from stampcard.cards.models import Card, Program
from stampcard.demo import seed
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Location, Merchant, StaffUser
from stampcard.poster.models import PosterSpot


@pytest.fixture
def var_dir(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_the_demo_has_two_locations_a_goal_8_program_an_owner_a_key_and_customers(var_dir):
    demo = seed.seed_demo(base_url="http://127.0.0.1:8123")

    merchant = Merchant.objects.get(pk=demo["merchant_id"])
    assert Location.objects.filter(merchant=merchant).count() == 2
    program = Program.objects.get(pk=demo["program_id"])
    assert (program.goal, program.earning_rule, program.is_default) == (8, "per_receipt", True)
    assert Card.objects.filter(merchant=merchant).count() >= 3
    actor = merchants_services.api_key_authenticate(raw_key=demo["api_key"])
    assert actor.merchant == merchant
    saved = json.loads((var_dir / "demo.json").read_text())
    for key in ("base_url", "api_key", "owner_email", "owner_password", "program_id"):
        assert saved[key] == demo[key]
    assert saved["base_url"] == "http://127.0.0.1:8123"


def test_seeding_again_reuses_the_data_and_the_credentials(var_dir):
    first = seed.seed_demo(base_url="http://127.0.0.1:8000")
    second = seed.seed_demo(base_url="http://127.0.0.1:8000")

    assert second == first
    assert Merchant.objects.count() == 1


def test_lost_credentials_are_replaced_and_the_old_key_revoked(var_dir):
    first = seed.seed_demo(base_url="http://127.0.0.1:8000")
    (var_dir / "demo.json").unlink()

    second = seed.seed_demo(base_url="http://127.0.0.1:8000")

    assert second["api_key"] != first["api_key"] and second["merchant_id"] == first["merchant_id"]
    merchants_services.api_key_authenticate(raw_key=second["api_key"])
    with pytest.raises(Exception) as err:
        merchants_services.api_key_authenticate(raw_key=first["api_key"])
    assert getattr(err.value, "code", None) == "api_key_revoked"


def test_every_poster_spot_of_the_demo_counts_at_the_location_of_its_name(var_dir):
    demo = seed.seed_demo(base_url="http://127.0.0.1:8000")

    spots = PosterSpot.objects.filter(merchant_id=demo["merchant_id"]).select_related("location")
    assert {spot.name: spot.location.name for spot in spots} == {
        "Khreshchatyk": "Demo Coffee — Khreshchatyk",
        "Podil": "Demo Coffee — Podil",
    }


def test_the_demo_owner_works_in_the_panel_and_only_the_operator_opens_the_admin(var_dir):
    demo = seed.seed_demo(base_url="http://testserver")
    owner = StaffUser.objects.get(email=demo["owner_email"])
    assert not owner.is_staff and not owner.is_superuser
    assert StaffUser.objects.get(email=seed.OPERATOR_EMAIL).is_superuser
    assert demo["panel_url"] == "http://testserver/panel/"
    client = Client()
    assert client.login(username=demo["owner_email"], password=demo["owner_password"])
    assert client.get("/panel/").status_code == 200
    assert client.get("/admin/").status_code == 302  # the admin's own sign-in: the owner is no operator
