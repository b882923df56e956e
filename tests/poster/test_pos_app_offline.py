"""The register could not reach stampcard when the order closed: the app kept the commit on the order (the card in
its extras and the ``stampcard:`` marker in its comment, as ``frontend/poster/src/order-marks.js`` writes them), and
Poster's webhook completes it. Whatever arrives later (the app's own commit, webhook repeats) adds nothing."""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core import clock
from stampcard.poster.client import Transaction
from stampcard.poster.models import DeliveryOutcome, PosterWebhookDelivery
from stampcard.poster.signatures import make_request_signature
from stampcard.poster.sync import card_ref_from_transaction
from tests.conftest import reload
from tests.poster.conftest import ACCOUNT, APPLICATION_SECRET, post_webhook

pytestmark = pytest.mark.django_db


def order_kept_offline(poster, card, *, total_cents=5500):
    """What the app leaves on an order it could not commit: the card in the extras (with the commit it could not
    send) and the marker appended to the cashier's comment."""
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)], comment="Table 4")
    poster.transaction_comment(ACCOUNT, transaction_id, f"Table 4 stampcard:{card.number}")
    kept = {"card": card.number, "total": total_cents, "currency": "UAH", "status": "pending"}
    poster.transaction_set_extras(ACCOUNT, transaction_id, "stampcard_card", json.dumps(kept))
    poster.transaction_close(ACCOUNT, transaction_id)
    return transaction_id


def deliver(poster, capture, transaction_id, action="changed"):
    with capture(execute=True):
        response = post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, action))
    assert response.status_code == 200
    return response


def signed_commit(staff, card, transaction_id):
    """The app's commit once the register is back online, through Poster's signing proxy."""
    body = json.dumps(
        {"card": card.number, "check": {"external_id": str(transaction_id), "total": 5500, "currency": "UAH"}},
        separators=(",", ":"),
    )
    poster_time = str(int(clock.now().timestamp()))
    url = "http://testserver/api/v1/poster/checkouts"
    client = Client(
        headers={
            "Authorization": f"Bearer {staff.raw_key}",
            "X-Poster-Signature": make_request_signature(
                url=url, body=body, poster_time=poster_time, secret=APPLICATION_SECRET
            ),
            "X-Poster-Time": poster_time,
            "X-Poster-Url": ACCOUNT,
        }
    )
    return client.post("/api/v1/poster/checkouts", data=body, content_type="application/json")


def test_an_order_closed_offline_is_stamped_once_by_the_webhook(
    poster, connected, card, cashier, django_capture_on_commit_callbacks
):
    transaction_id = order_kept_offline(poster, card)

    deliver(poster, django_capture_on_commit_callbacks, transaction_id)

    check = Check.objects.get()
    assert (check.pos, check.external_id, check.total) == ("poster", str(transaction_id), 5500)
    assert reload(card).stamps == 1
    assert PosterWebhookDelivery.objects.order_by("-pk").first().outcome == DeliveryOutcome.STAMPED

    # Back online, the app sends the commit it kept; Poster repeats its webhook: still one stamp.
    late = signed_commit(cashier, card, transaction_id)
    assert late.status_code == 200 and late.json()["replayed"] is True
    deliver(poster, django_capture_on_commit_callbacks, transaction_id, action="closed")
    assert reload(card).stamps == 1
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1


def test_the_apps_commit_first_then_the_webhook_gives_one_stamp(
    poster, connected, card, cashier, django_capture_on_commit_callbacks
):
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)], comment=f"stampcard:{card.number}")
    poster.transaction_close(ACCOUNT, transaction_id)
    assert signed_commit(cashier, card, transaction_id).json()["stamps_issued"] == 1

    deliver(poster, django_capture_on_commit_callbacks, transaction_id)

    assert reload(card).stamps == 1
    assert Check.objects.get().total == 5500  # the app's figure was the paid sum: nothing to amend


def test_the_card_kept_in_the_extras_alone_is_read_when_the_answer_carries_extras(card):
    # Poster documents order extras on the POS Order only; if dash.getTransaction ever carries them, the JSON the app
    # keeps there names the card by itself.
    kept = json.dumps({"card": card.number, "total": 5500, "currency": "UAH", "status": "pending"})
    transaction = Transaction.from_payload(
        {
            "transaction_id": "1",
            "status": "2",
            "payed_sum": "5500",
            "spot_id": "1",
            "transaction_comment": "",
            "extras": {"stampcard_card": kept},
            "date_close": str(int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1000)),
        }
    )
    assert card_ref_from_transaction(transaction) == card.number
