"""Reads of messages, each through the tenant door: another merchant's id answers NotFound."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def message_get(*, merchant: Merchant, message_id: Any, lock: bool = False) -> Message:
    rows = Message.objects.filter(merchant=merchant, pk=_uuid(message_id))
    found = (rows.select_for_update() if lock else rows).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Progress:
    """How far a message has gone: deliveries per state, and finished ones per reason code (why skipped or failed;
    ``sent_silently`` for wallet messages on the pass without a notification)."""

    pending: int
    sent: int
    failed: int
    skipped: int
    reasons: dict[str, int]

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.failed + self.skipped

    @property
    def done(self) -> int:
        return self.total - self.pending


def message_progress(*, merchant: Merchant, message_id: Any) -> Progress:
    """Counts for the panel (two grouped queries, whatever the audience's size)."""
    message = message_get(merchant=merchant, message_id=message_id)
    rows = MessageDelivery.objects.filter(message=message)
    states = dict(rows.order_by().values_list("state").annotate(n=Count("pk")))
    reasons = dict(
        rows.exclude(state=DeliveryState.PENDING)
        .exclude(reason="")
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
    )
    return _progress(states, reasons)


def deliveries_of_message(
    *,
    merchant: Merchant,
    message_id: Any,
    state: str | None = None,
    reason: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[MessageDelivery]:
    rows = MessageDelivery.objects.filter(message=message_get(merchant=merchant, message_id=message_id))
    if state:
        rows = rows.filter(state=state)
    if reason is not None:
        rows = rows.filter(reason=reason)
    return list(rows.select_related("customer", "card").order_by("pk")[offset : offset + limit])


def messages_list(*, merchant: Merchant, state: str | None = None, limit: int = 50, offset: int = 0) -> list[Message]:
    """A merchant's messages, newest first."""
    rows = Message.objects.filter(merchant=merchant)
    if state:
        rows = rows.filter(state=state)
    return list(rows.order_by("-created_at", "-pk")[offset : offset + limit])


def progress_of_messages(messages: list[Message]) -> dict[Any, Progress]:
    """``message_progress`` of many messages in two grouped queries (a list page's counts)."""
    ids = [message.pk for message in messages]
    rows = MessageDelivery.objects.filter(message_id__in=ids).order_by()
    states: dict[Any, dict[str, int]] = {pk: {} for pk in ids}
    for message_id, state, n in rows.values_list("message_id", "state").annotate(n=Count("pk")):
        states[message_id][state] = n
    reasons: dict[Any, dict[str, int]] = {pk: {} for pk in ids}
    for message_id, reason, n in (
        rows.exclude(state=DeliveryState.PENDING)
        .exclude(reason="")
        .values_list("message_id", "reason")
        .annotate(n=Count("pk"))
    ):
        reasons[message_id][reason] = n
    return {pk: _progress(states[pk], reasons[pk]) for pk in ids}


def _progress(states: dict[str, int], reasons: dict[str, int]) -> Progress:
    return Progress(
        pending=states.get(DeliveryState.PENDING, 0),
        sent=states.get(DeliveryState.SENT, 0),
        failed=states.get(DeliveryState.FAILED, 0),
        skipped=states.get(DeliveryState.SKIPPED, 0),
        reasons=reasons,
    )
