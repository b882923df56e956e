"""Real threads on PostgreSQL: concurrent kiosks and retries never stamp a card twice inside its visit window."""

import uuid

import pytest
from django.test import Client

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core.testing import run_concurrently
from stampcard.scanner.models import ScanRefusal
from tests.conftest import reload
from tests.scanner.conftest import pair_device

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def scan(token, card, scan_id):
    client = Client(headers={"Authorization": f"Bearer {token}"})
    return client.post(
        "/scanner/api/scans", {"qr": card.qr_payload, "scan_id": scan_id}, content_type="application/json"
    )


def test_eight_kiosks_scanning_one_card_at_once_stamp_it_once(staff, location, program, card):
    tokens = [pair_device(staff, location, "kiosk", name=f"Kiosk {i}")[1] for i in range(8)]

    outcomes = run_concurrently(lambda i: scan(tokens[i], card, str(uuid.uuid4())), n=8)

    responses = [o.value for o in outcomes]
    assert all(o.ok for o in outcomes) and [r.status_code for r in responses] == [200] * 8
    assert sum(r.json()["stamped"] for r in responses) == 1
    assert {r.json()["refusal"]["code"] for r in responses if not r.json()["stamped"]} == {"visit_window"}
    assert reload(card).stamps == 1
    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1
    assert ScanRefusal.objects.filter(card=card).count() == 7


def test_eight_retries_of_one_scan_id_stamp_once(staff, location, program, card):
    _device, token = pair_device(staff, location, "kiosk")
    scan_id = str(uuid.uuid4())

    outcomes = run_concurrently(lambda i: scan(token, card, scan_id), n=8)

    responses = [o.value for o in outcomes]
    assert all(o.ok for o in outcomes) and [r.status_code for r in responses] == [200] * 8
    assert all(r.json()["stamped"] for r in responses)
    assert sum(not r.json()["replayed"] for r in responses) == 1
    assert reload(card).stamps == 1
    assert Check.objects.filter(card=card).count() == 1
    assert not ScanRefusal.objects.exists()


def test_eight_retries_of_one_manual_stamp_stamp_once(staff, location, program, card):
    _device, token = pair_device(staff, location, "manual")
    scan_id = str(uuid.uuid4())
    client_body = {"scan_id": scan_id}

    def stamp(i):
        client = Client(headers={"Authorization": f"Bearer {token}"})
        return client.post(f"/scanner/api/cards/{card.number}/stamps", client_body, content_type="application/json")

    outcomes = run_concurrently(stamp, n=8)

    assert [o.value.status_code for o in outcomes] == [200] * 8
    assert reload(card).stamps == 1
