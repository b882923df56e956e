"""The demo seed connects the demo merchant to the Poster stand-in's demo account; a check closed there stamps here."""

import pytest

from stampcard.cards.models import Card
from stampcard.demo.poster import seed_demo
from stampcard.merchants.models import Role
from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, PosterAccount, PosterSpot
from stampcard.sandbox import poster as sandbox_poster
from tests.conftest import make_staff
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_merchant_is_connected_and_a_closed_check_on_the_stand_in_stamps(
    merchant, program, location, card, live_server, settings
):
    owner = make_staff(merchant, Role.OWNER)
    urls = seed_demo(merchant=merchant, program=program, location=location, owner_actor=owner.actor(),
                     base_url=live_server.url)  # fmt: skip
    again = seed_demo(merchant=merchant, program=program, location=location, owner_actor=owner.actor(),
                      base_url=live_server.url)  # fmt: skip
    assert urls == again and urls["Poster connection (owner login)"].startswith(live_server.url)
    account = PosterAccount.objects.get()
    assert account.account == sandbox_poster.DEMO_ACCOUNT and account.status == AccountStatus.CONNECTED
    assert crypto.token_decrypt(account.access_token_encrypted) == sandbox_poster.demo_token()
    assert PosterSpot.objects.get(poster_account=account, spot_id="1").location is None  # no "Khreshchatyk" here

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    stand_in = sandbox_poster.start_dev_stand_in(base_url=live_server.url, port=0)
    try:
        for name, value in stand_in.settings().items():
            setattr(settings, name, value)
        transaction_id = stand_in.transaction_open(
            sandbox_poster.DEMO_ACCOUNT, products=[("1", 1)], comment=f"stampcard:{card.number}"
        )
        stand_in.transaction_close(sandbox_poster.DEMO_ACCOUNT, transaction_id)
    finally:
        stand_in.stop()
    assert Card.objects.get(pk=card.pk).stamps == 1


def test_each_demo_spot_is_mapped_to_the_location_of_its_name(merchant, program, live_server):
    podil = LocationFactory(merchant=merchant, name="Demo Coffee — Podil")
    khreshchatyk = LocationFactory(merchant=merchant, name="Demo Coffee — Khreshchatyk")
    owner = make_staff(merchant, Role.OWNER)

    seed_demo(merchant=merchant, program=program, location=podil, owner_actor=owner.actor(), base_url=live_server.url)

    mapped = {spot.name: spot.location for spot in PosterSpot.objects.all()}
    assert mapped == {"Khreshchatyk": khreshchatyk, "Podil": podil}


def test_a_demo_seeded_with_the_old_mapping_is_corrected_and_a_merchants_own_choice_kept(
    merchant, program, live_server
):
    podil = LocationFactory(merchant=merchant, name="Demo Coffee — Podil")
    khreshchatyk = LocationFactory(merchant=merchant, name="Demo Coffee — Khreshchatyk")
    elsewhere = LocationFactory(merchant=merchant, name="Pop-up stand")
    owner = make_staff(merchant, Role.OWNER)
    seed = {"merchant": merchant, "program": program, "location": podil, "owner_actor": owner.actor()}
    seed_demo(**seed, base_url=live_server.url)
    # given the mapping of earlier demos (Khreshchatyk counted at Podil) and a spot the merchant moved on purpose
    PosterSpot.objects.filter(name="Khreshchatyk").update(location=podil)
    PosterSpot.objects.filter(name="Podil").update(location=elsewhere)

    seed_demo(**seed, base_url=live_server.url)

    mapped = {spot.name: spot.location for spot in PosterSpot.objects.all()}
    assert mapped == {"Khreshchatyk": khreshchatyk, "Podil": elsewhere}
