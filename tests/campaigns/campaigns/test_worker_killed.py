"""A campaign to 10,000 customers with the worker SIGKILLed halfway and another started: every customer gets the
campaign's email once (one Message-ID each; at most the one email in flight at the kill arrives again, under the same
id, which a receiving system drops). PostgreSQL, real worker processes, a real SMTP server."""

import collections
import signal
from datetime import timedelta

import pytest

from stampcard.campaigns.campaigns import services, tasks
from stampcard.campaigns.campaigns.models import Campaign, CampaignRecipient
from stampcard.campaigns.messages import tasks as messages_tasks
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery, MessageState
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.core import clock
from stampcard.core.text import fold
from stampcard.customers.models import Customer
from tests.campaigns.campaigns.conftest import campaign_input
from tests.campaigns.messages.test_worker_killed import start_worker, until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RECIPIENTS = 10_000


def customers_bulk(program, n):
    """``n`` consenting customers with a card each, inserted in bulk (factories would take minutes)."""
    customers = Customer.objects.bulk_create(
        [
            Customer(
                merchant=program.merchant,
                name=f"Customer {i}",
                name_folded=fold(f"Customer {i}"),
                email=f"c{i}@example.com",
                marketing_email_consent=True,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    Card.objects.bulk_create(
        [
            Card(
                merchant=program.merchant, program=program, customer=customer, number=f"{i:06d}", qr_payload=f"q{i:08d}"
            )
            for i, customer in enumerate(customers)
        ],
        batch_size=2000,
    )
    return [c.email for c in customers]


def test_a_campaign_to_ten_thousand_survives_a_killed_worker_and_sends_each_email_once(
    smtp_server, program, manager, settings
):
    # given: 10,000 recipients and a campaign sent now; the worker prepares it and starts sending
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    addresses = customers_bulk(program, RECIPIENTS)
    campaign = services.campaign_create(actor=manager.actor(), data=campaign_input(name="Ten thousand"))
    services.campaign_send(actor=manager.actor(), campaign_id=campaign.pk)
    first = start_worker("first", smtp_server.port, settings)
    second = None
    try:
        # (not at a batch's end: the kill lands among a batch's sends, before the batch's ledger lines)
        until(lambda: len(smtp_server.received) >= RECIPIENTS // 2 + 17, "half of the emails", every=0.2, wait=300)

        # when: the worker is killed outright, and another starts
        first.send_signal(signal.SIGKILL)
        first.wait(60)
        killed_at = len(smtp_server.received)
        assert killed_at < RECIPIENTS, "the first worker finished before it was killed"
        second = start_worker("second", smtp_server.port, settings)

        # then: the sweeps (the beat's minutely tasks) hand the dead round's deliveries to the live worker
        def finished() -> bool:
            with clock.frozen_at(clock.now() + messages_tasks.STALLED_AFTER + timedelta(seconds=1)):
                messages_tasks.messages_resume.call()
                tasks.campaigns_run_due.call()
            message = Campaign.objects.select_related("message").get(pk=campaign.pk).message
            return message is not None and message.state == MessageState.DONE

        until(finished, "the campaign to be sent to everyone", every=1, wait=300)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)

    received = smtp_server.received
    assert set(each.to for each in received) == set(addresses)
    ids = collections.Counter(each.message["Message-ID"] for each in received)
    assert len(ids) == RECIPIENTS
    assert len(received) - RECIPIENTS <= 1
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == RECIPIENTS
    message = Campaign.objects.get(pk=campaign.pk).message
    states = collections.Counter(MessageDelivery.objects.filter(message=message).values_list("state", flat=True))
    assert states == {DeliveryState.SENT: RECIPIENTS}
    # and each card has the message's ledger line once: those the killed round sent but had not written yet too
    lines = CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT, payload__message_id=str(message.pk))
    per_card = collections.Counter(lines.values_list("card_id", flat=True))
    assert len(per_card) == RECIPIENTS and set(per_card.values()) == {1}
