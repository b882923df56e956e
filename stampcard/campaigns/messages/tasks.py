"""Background work of messages (``stampcard worker``): sending rounds, and the sweep that resumes them."""

import logging
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django_tasks import task

from stampcard.campaigns.messages import sender
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery, MessageState
from stampcard.core import clock

logger = logging.getLogger(__name__)

# A message with due deliveries and no batch recorded for this long has no live round (its worker died, its task was
# lost, or its retries came due): the sweep queues one. Longer than a batch takes, so a live round is left alone.
STALLED_AFTER = timedelta(minutes=2)


@task()
def message_send(message_id: str) -> dict[str, int]:
    """One sending round of a message; queues the next round when its time box ran out with deliveries still due."""
    report = sender.message_send(message_id=message_id)
    if report.more:
        messages_send_soon(message_id)
    return report.as_dict()


@task()
def messages_resume() -> int:
    """Periodic: queue a round for every message being sent that has due deliveries and no live round (a worker
    killed mid-batch, a lost task, retries now due); mark done the ones with nothing pending. Safe beside a live
    round: rounds on one message take different deliveries."""
    now = clock.now()
    due = MessageDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        message=OuterRef("pk"),
        state=DeliveryState.PENDING,
    )
    stalled = list(
        Message.objects.filter(state=MessageState.SENDING, heartbeat_at__lt=now - STALLED_AFTER)
        .filter(Exists(due))
        .values_list("pk", flat=True)
    )
    for message_id in stalled:
        message_send.enqueue(message_id=str(message_id))
    for message_id in (
        Message.objects.filter(state=MessageState.SENDING, heartbeat_at__lt=now - STALLED_AFTER)
        .exclude(Exists(MessageDelivery.objects.filter(message=OuterRef("pk"), state=DeliveryState.PENDING)))
        .values_list("pk", flat=True)
    ):
        sender.message_finish_if_done(message_id)
    return len(stalled)


def messages_send_soon(message_id: Any) -> None:
    """Queue a round now (after the commit that started the message); the sweep catches up if the queue is down."""
    try:
        message_send.enqueue(message_id=str(message_id))
    except Exception:
        logger.exception("could not queue message %s; the sweep will", message_id)
