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
    """How far a message has gone: deliveries per state, and skipped/failed ones per reason code."""

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
        rows.filter(state__in=[DeliveryState.FAILED, DeliveryState.SKIPPED])
        .order_by()
        .values_list("reason")
        .annotate(n=Count("pk"))
    )
    return Progress(
        pending=states.get(DeliveryState.PENDING, 0),
        sent=states.get(DeliveryState.SENT, 0),
        failed=states.get(DeliveryState.FAILED, 0),
        skipped=states.get(DeliveryState.SKIPPED, 0),
        reasons=reasons,
    )


def deliveries_of_message(
    *, merchant: Merchant, message_id: Any, state: str | None = None, limit: int = 50, offset: int = 0
) -> list[MessageDelivery]:
    rows = MessageDelivery.objects.filter(message=message_get(merchant=merchant, message_id=message_id))
    if state:
        rows = rows.filter(state=state)
    return list(rows.select_related("customer", "card").order_by("pk")[offset : offset + limit])
