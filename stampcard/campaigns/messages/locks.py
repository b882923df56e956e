"""Claims on deliveries: which sending round sends which delivery now.

As in ``campaigns.webhooks.locks``: a claim is a conditional UPDATE naming the round (``claim_token``) that lasts
``claim_for``. On PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``, so rounds of several workers on one
message take different rows without waiting for each other; on SQLite (one writer at a time) the UPDATE's re-check
that nobody holds the row keeps two rounds apart. A round whose worker died lets its claims lapse, and the sweep
(``tasks.messages_resume``) starts another.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def deliveries_claim(*, message_id: Any, now: datetime, claim_for: timedelta, limit: int) -> list[MessageDelivery]:
    """Claim up to ``limit`` due pending deliveries of one message, in id order; returns them with their cards,
    programs and customers. The claim is committed on return."""
    token = uuid.uuid4().hex
    due = MessageDelivery.objects.filter(_free(now), _due(now), message_id=message_id, state=DeliveryState.PENDING)
    with transaction.atomic():
        picked = list(
            due.order_by("pk").select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        due.filter(pk__in=picked).update(claimed_until=now + claim_for, claim_token=token)
    return list(
        MessageDelivery.objects.filter(pk__in=picked, claim_token=token)
        .select_related("customer", "card__program", "merchant")
        .order_by("pk")
    )


def deliveries_due_exist(*, message_id: Any, now: datetime) -> bool:
    return MessageDelivery.objects.filter(
        _free(now), _due(now), message_id=message_id, state=DeliveryState.PENDING
    ).exists()
