"""Several workers sending one message at once, on PostgreSQL: each recipient gets it once."""

import pytest

from stampcard.campaigns.messages import sender
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core.testing import run_concurrently
from tests.campaigns.messages.conftest import holder, message_to

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
