"""Several workers sending one message at once, on PostgreSQL: each recipient gets it once."""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from stampcard.campaigns.messages import locks, sender
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from tests.campaigns.messages.conftest import holder, message_to
from tests.conftest import reload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_queue")]


def test_four_workers_sending_one_message_deliver_each_email_once(smtp_server, program):
    # given
    addresses = [f"c{i}@example.com" for i in range(60)]
    message = message_to([holder(program, email=address) for address in addresses], merchant=program.merchant)

    # when: four rounds at once, in small batches so that they meet on every batch
    outcomes = run_concurrently(lambda _i: sender.message_send(message_id=message.pk, batch=5), n=4)

    # then
    assert all(outcome.error is None for outcome in outcomes), [outcome.error for outcome in outcomes]
    assert sorted(each.to for each in smtp_server.received) == sorted(addresses)
    assert sum(outcome.value.sent for outcome in outcomes) == 60
    assert sum(1 for outcome in outcomes if outcome.value.sent) > 1  # they really shared the work
    assert set(MessageDelivery.objects.filter(message=message).values_list("state", flat=True)) == {DeliveryState.SENT}
    assert CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT).count() == 60


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_the_senders_bookkeeping_commits_without_the_disk_and_leaves_the_connection_durable(smtp_server, program):
    # given: a claimed delivery (the claim's own transaction committed asynchronously)
    message = message_to([holder(program, email="ann@example.com")], merchant=program.merchant)
    (delivery,) = locks.deliveries_claim(
        message_id=message.pk, now=clock.now(), claim_for=timedelta(minutes=2), limit=10
    )
    assert synchronous_commit() == "on"

    # when: its mark, and a transaction that asks for the same inside it
    marked = locks.claimed_update(delivery=delivery, values={"state": DeliveryState.SENT, "sent_at": clock.now()})
    with transaction.atomic():
        locks.commit_asynchronously(connection.alias)
        inside = synchronous_commit()

    # then: the mark is written, and only those transactions gave up waiting for the disk: the connection's next
    # transactions (money, vouchers, consent) still wait for it
    assert marked and reload(delivery).state == DeliveryState.SENT
    assert inside == "off"
    assert synchronous_commit() == "on"
