"""The journal's informational lines: the card issued (every channel), a message sent to the holder; each with delta 0
so the balance stays the sum of the deltas and the customer view replays around them. And the backfill of "card
issued" for cards issued before the journal recorded it."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.db import transaction
from django.db.models import Sum

from stampcard.cards import journal
from stampcard.cards import services as cards_services
from stampcard.cards.ledger import ledger_append, ledger_note
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.core import clock
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor, Channel
from stampcard.public import cardlinks, datarights
from stampcard.public.models import DataRightsKind
from tests.api.helpers import post
from tests.factories import CustomerFactory, ProgramFactory

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("stampcard.cards.migrations.0019_backfill_card_issued").backfill


def lines(card, kind=None):
    events = CardEvent.objects.filter(card=card).order_by("id")
    return list(events.filter(kind=kind) if kind else events)


def balance_is_the_ledger_sum(card) -> bool:
    card.refresh_from_db()
    return card.stamps == (CardEvent.objects.filter(card=card).aggregate(s=Sum("delta"))["s"] or 0)


def test_enrolling_through_the_api_records_the_card_issued_with_who_and_where(cashier, program):
    response = post(cashier.client(), "/customers", {"name": "Olena"})

    card = Card.objects.get(number=response.json()["card"]["number"])
    (issued,) = lines(card)
    assert (issued.kind, issued.delta, issued.stamps_after) == (EventKind.CARD_ISSUED, 0, 0)
    assert (issued.channel, issued.actor, issued.api_key, issued.location) == (
        Channel.API,
        cashier.membership.user,
        cashier.api_key,
        cashier.location,
    )
    assert journal.event_kind_label(issued) == "Card issued"
    assert journal.event_details(issued) == f"card “{program.name}”"


def test_a_card_issued_without_an_actor_is_the_systems(program):
    customer = CustomerFactory(merchant=program.merchant)

    card = cards_services.card_create(customer=customer, program=program)

    (issued,) = lines(card)
    assert (issued.kind, issued.channel, issued.actor) == (EventKind.CARD_ISSUED, Channel.SYSTEM, None)


def test_the_customers_own_join_records_the_card_issued(program):
    actor = Actor(merchant=program.merchant, channel=Channel.PUBLIC)

    card = cards_services.card_enrol(actor=actor, name="Taras", program_id=str(program.pk))

    assert [(e.kind, e.channel) for e in lines(card)] == [(EventKind.CARD_ISSUED, Channel.PUBLIC)]


def test_sending_the_card_link_records_a_message_on_every_card_of_the_customer(manager, card):
    second = cards_services.card_create(
        customer=card.customer, program=ProgramFactory(merchant=card.merchant, is_default=False)
    )
    Customer.objects.filter(pk=card.customer_id).update(email="olena@example.com")
    card.refresh_from_db()

    cardlinks.card_links_send(cards=[card, second], actor=manager.actor(Channel.PANEL))

    assert len(mail.outbox) == 1
    for each in (card, second):
        (message,) = lines(each, EventKind.MESSAGE_SENT)
        assert (message.delta, message.actor, message.channel) == (0, manager.membership.user, Channel.PANEL)
        assert journal.event_details(message) == "the card link, by email"
        assert "olena@example.com" not in str(message.payload)  # the ledger outlives an erasure: no address in it


def test_a_data_rights_code_email_is_recorded_as_a_message(card, django_capture_on_commit_callbacks):
    Customer.objects.filter(pk=card.customer_id).update(email="olena@example.com")
    card.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        datarights.data_request_start(card=card, kind=DataRightsKind.EXPORT)

    (message,) = lines(card, EventKind.MESSAGE_SENT)
    assert message.channel == Channel.PUBLIC and message.payload["message"] == "data_rights_code"
    assert len(mail.outbox) == 1


def test_informational_lines_keep_the_balance_and_the_customer_view_replays_around_them(manager, program):
    card = cards_services.card_create(customer=CustomerFactory(merchant=program.merchant), program=program)
    actor = manager.actor()

    def stamp(delta):
        with transaction.atomic():
            return ledger_append(
                card=card_lock(merchant=program.merchant, card_id=card.pk),
                kind=EventKind.STAMP,
                delta=delta,
                lifetime_delta=delta,
                actor=actor,
            )

    first = stamp(3)
    note = ledger_note(card=card, kind=EventKind.MESSAGE_SENT, actor=actor, message="card_link")
    last = stamp(2)

    assert balance_is_the_ledger_sum(card) and card.stamps == 5
    assert (note.delta, note.stamps_after) == (0, 3)
    assert [journal.card_snapshot_at(event=e).stamps for e in (first, note, last)] == [3, 3, 5]
    assert journal.card_snapshot_at(event=lines(card, EventKind.CARD_ISSUED)[0]).stamps == 0


def test_a_note_cannot_move_stamps(card, manager):
    with pytest.raises(ValueError):
        ledger_note(card=card, kind=EventKind.STAMP, actor=manager.actor())


def test_the_journal_filters_by_the_new_kinds(manager, program):
    post(manager.client(), "/customers", {"name": "Olena"})

    page = journal.journal_page(merchant=program.merchant, filters=journal.JournalFilters(kind=EventKind.CARD_ISSUED))

    assert [e.kind for e in page.events] == [EventKind.CARD_ISSUED]


def test_the_backfill_adds_card_issued_once_at_the_cards_creation_time(card):
    CardEvent.objects.filter(card=card).delete()  # a card issued before the journal recorded it
    created = clock.now() - timedelta(days=300)
    Card.objects.filter(pk=card.pk).update(created_at=created)
    recorded = cards_services.card_create(customer=CustomerFactory(merchant=card.merchant), program=card.program)

    backfill(apps, None)
    backfill(apps, None)

    (issued,) = lines(card)
    assert (issued.kind, issued.delta, issued.stamps_after, issued.channel) == (EventKind.CARD_ISSUED, 0, 0, "system")
    assert issued.created_at == created and issued.payload["backfilled"] is True
    assert len(lines(recorded, EventKind.CARD_ISSUED)) == 1
    assert balance_is_the_ledger_sum(card)
    assert journal.card_snapshot_at(event=issued).stamps == 0
