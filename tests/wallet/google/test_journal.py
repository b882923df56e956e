"""The card's journal records Google's save and delete callbacks, once per callback (a redelivery adds nothing)."""

import pytest
from django.test import Client

from stampcard.cards import journal
from stampcard.cards.models import CardEvent, EventKind
from tests.wallet.google.helpers import object_of, save_link_token

pytestmark = pytest.mark.django_db


def post(google, card, **kwargs):
    google_object = object_of(card)
    body = google.callback_body(
        class_id=google_object.google_class.class_id, object_id=google_object.object_id, **kwargs
    )
    return Client().post("/wallet/google/callback", body, content_type="application/json")


def test_save_and_delete_are_journal_lines_once_each(google, card):
    save_link_token(card)

    post(google, card, event_type="save", nonce="n-1")
    post(google, card, event_type="save", nonce="n-1")  # redelivered
    post(google, card, event_type="del", nonce="n-2")

    events = list(
        CardEvent.objects.filter(card=card, kind__in=[EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED]).order_by("id")
    )
    assert [e.kind for e in events] == [EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED]
    assert all(e.delta == 0 for e in events)
    assert journal.event_details(events[0]) == "Google Wallet"
