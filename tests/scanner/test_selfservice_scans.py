"""Self-service scans: the guest's card QR stamps the card (kiosk and autopilot), once per scan id."""

import uuid

import pytest

from stampcard.cards.models import CardEvent, Check, EarningRule, EventKind
from stampcard.merchants.actors import Channel
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mode", ["kiosk", "autopilot"])
def test_a_scan_stamps_the_card_on_the_self_service_channel(request, mode, card, staff, location):
    _device, client = request.getfixturevalue(mode)

    response = client.scan(card)

    assert response.status_code == 200
    body = response.json()
    assert (body["stamped"], body["stamps_issued"], body["refusal"], body["replayed"]) == (True, 1, None, False)
    assert body["card"]["stamps"] == 1
    event = CardEvent.objects.get(card=card, kind=EventKind.STAMP)
    assert (event.channel, event.actor, event.api_key, event.location) == (Channel.KIOSK, staff.user, None, location)
    check = Check.objects.get(card=card)
    assert (check.pos, check.total) == ("scanner", 0)


def test_a_per_receipt_program_gives_its_stamps_per_receipt(kiosk, merchant):
    _device, client = kiosk
    card = CardFactory(program=ProgramFactory(merchant=merchant, is_default=False, stamps_per_receipt=2))

    assert client.scan(card).json()["stamps_issued"] == 2


def test_a_per_amount_program_gives_its_self_service_stamps_per_visit(kiosk, merchant):
    _device, client = kiosk
    program = ProgramFactory(
        merchant=merchant,
        is_default=False,
        earning_rule=EarningRule.PER_AMOUNT,
        amount_per_stamp=10000,
        selfservice_stamps_per_visit=3,
    )
    card = CardFactory(program=program)

    response = client.scan(card)

    assert response.json()["stamps_issued"] == 3
    assert reload(card).stamps == 3


def test_a_retry_of_a_scan_that_stamped_replays_instead_of_being_refused(kiosk, card):
    _device, client = kiosk
    scan_id = str(uuid.uuid4())

    first = client.scan(card, scan_id)
    retry = client.scan(card, scan_id)

    assert first.json()["stamped"] is retry.json()["stamped"] is True
    assert retry.json()["replayed"] is True and retry.json()["refusal"] is None
    assert reload(card).stamps == 1


def test_a_refused_scan_still_shows_the_card(kiosk, card):
    _device, client = kiosk
    client.scan(card)

    refused = client.scan(card).json()

    assert refused["stamped"] is False and refused["stamps_issued"] == 0
    assert refused["refusal"]["code"] == "visit_window"
    assert refused["card"]["number"] == card.number and refused["card"]["stamps"] == 1


@pytest.mark.parametrize("qr", ["SC1:" + "0" * 26, "not a card", ""])
def test_an_unknown_or_malformed_qr_is_not_found(kiosk, qr):
    _device, client = kiosk

    response = client.post("/scans", {"qr": qr, "scan_id": str(uuid.uuid4())})

    assert response.status_code == 404
    assert response.json()["code"] == "card_not_found"


def test_another_merchants_card_is_not_found(kiosk):
    _device, client = kiosk

    assert client.scan(CardFactory()).status_code == 404


def test_reaching_the_goal_by_scan_shows_the_reward(kiosk, merchant):
    _device, client = kiosk
    card = CardFactory(program=ProgramFactory(merchant=merchant, is_default=False, goal=1, reward_title="Croissant"))

    body = client.scan(card).json()

    assert [r["title"] for r in body["rewards"]] == ["Croissant"]
    assert [r["title"] for r in body["card"]["rewards_ready"]] == ["Croissant"]
