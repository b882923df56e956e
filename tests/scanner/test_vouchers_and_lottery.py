"""Vouchers and lottery from a device: staff redeem any voucher; a kiosk guest only their own card's, and spins
their own card's lottery."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Actor, Channel
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher
from tests.factories import CardFactory
from tests.lottery.helpers import lottery_reward, make_lottery, variant

pytestmark = pytest.mark.django_db


def a_voucher(merchant, card=None, title="Free coffee"):
    (voucher,) = vouchers_services.voucher_issue(actor=Actor.system(merchant), title=title, card=card)
    return voucher


def test_staff_redeem_a_voucher_by_code(manual, merchant, staff, location):
    _device, client = manual
    voucher = a_voucher(merchant)

    response = client.post(f"/vouchers/{voucher.code}/redeem")

    assert response.status_code == 200
    assert response.json()["state"] == "redeemed"
    voucher.refresh_from_db()
    assert (voucher.redeemed_by, voucher.redeemed_location) == (staff.user, location)
    assert client.post(f"/vouchers/{voucher.code}/redeem").json()["code"] == "voucher_already_redeemed"


def test_a_kiosk_guest_redeems_a_voucher_of_their_own_card(kiosk, card):
    _device, client = kiosk
    voucher = a_voucher(card.merchant, card)

    response = client.post(f"/vouchers/{voucher.code}/redeem", {"card": card.qr_payload})

    assert response.status_code == 200 and response.json()["card"] == card.number
    event = CardEvent.objects.get(card=card, kind=EventKind.VOUCHER_REDEEMED)
    assert event.channel == Channel.KIOSK


def test_a_kiosk_needs_the_card_and_the_voucher_must_be_in_it(kiosk, card, program):
    _device, client = kiosk
    someone_elses = a_voucher(card.merchant, CardFactory(program=program))
    bearer = a_voucher(card.merchant)

    without_card = client.post(f"/vouchers/{bearer.code}/redeem")
    by_number = client.post(f"/vouchers/{bearer.code}/redeem", {"card": card.number})
    not_in_card = client.post(f"/vouchers/{someone_elses.code}/redeem", {"card": card.qr_payload})
    bearer_in_kiosk = client.post(f"/vouchers/{bearer.code}/redeem", {"card": card.qr_payload})

    assert without_card.status_code == 422 and without_card.json()["code"] == "card_required"
    assert by_number.status_code == not_in_card.status_code == bearer_in_kiosk.status_code == 404
    assert not_in_card.json()["code"] == "voucher_not_found"
    assert not Voucher.objects.filter(state="redeemed").exists()


def test_guessing_codes_from_a_device_runs_into_the_voucher_lookup_limit(manual, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "VOUCHER_LOOKUP_FAILURES_PER_KEY": 3}
    _device, client = manual
    for guess in ("AAAA2222", "BBBB3333", "CCCC4444"):
        assert client.post(f"/vouchers/{guess}/redeem").status_code in (404, 422)

    limited = client.post("/vouchers/DDDD5555/redeem")

    assert limited.status_code == 429
    assert limited.json()["code"] == "voucher_rate_limited"
    assert int(limited["Retry-After"]) > 0


def test_successful_redemptions_do_not_use_up_the_lookup_limit(manual, merchant, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "VOUCHER_LOOKUP_FAILURES_PER_KEY": 2}
    _device, client = manual

    for _ in range(4):
        assert client.post(f"/vouchers/{a_voucher(merchant).code}/redeem").status_code == 200


@pytest.fixture
def wheel(merchant, owner):
    return make_lottery(
        owner.actor(), [variant("award", 1_000_000, "Cookie", greeting="A cookie!")], draw_at="customer"
    )


def test_a_guest_spins_their_cards_ready_lottery(kiosk, card, wheel):
    _device, client = kiosk
    reward = lottery_reward(card, wheel)
    assert client.get(f"/cards/{card.qr_payload}").json()["rewards_ready"][0]["kind"] == "lottery"

    response = client.post(f"/rewards/{reward.pk}/draw", {"card": card.qr_payload})

    assert response.status_code == 200
    (draw,) = response.json()["draws"]
    assert draw["prize"] == {"kind": "award", "title": "Cookie"}
    assert [r["title"] for r in response.json()["card"]["rewards_ready"]] == ["Cookie"]
    again = client.post(f"/rewards/{reward.pk}/draw", {"card": card.qr_payload})
    assert again.status_code == 409 and again.json()["code"] == "lottery_reward_not_ready"


def test_a_lottery_of_another_card_is_not_found(kiosk, card, program, wheel):
    _device, client = kiosk
    reward = lottery_reward(CardFactory(program=program), wheel)

    response = client.post(f"/rewards/{reward.pk}/draw", {"card": card.qr_payload})

    assert response.status_code == 404 and response.json()["code"] == "reward_not_found"
    reward.refresh_from_db()
    assert reward.state == "ready"
