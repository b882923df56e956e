"""Claims on deliveries: which worker sends which delivery now.

A claim is a conditional UPDATE that names the claiming round (``claim_token``) and lasts ``claim_for``; the round
then reads back exactly the rows it holds. On PostgreSQL the candidates are read with ``FOR UPDATE SKIP LOCKED``, so
rounds of several workers take different rows without waiting on each other; on SQLite (one writer at a time) the
UPDATE's own re-check of "nobody holds it" is what keeps two rounds from taking one row. Either way a delivery is in
one round at a time, and a round whose worker died lets its claims lapse.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from stampcard.campaigns.webhooks.models import DeliveryState, WebhookDelivery


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def deliveries_claim(
    *,
    now: datetime,
    claim_for: timedelta,
    per_endpoint: int,
    limit: int,
    endpoint_id: Any = None,
) -> list[WebhookDelivery]:
    """Claim due pending deliveries of active endpoints, oldest due first: at most ``per_endpoint`` of one endpoint,
    ``limit`` in all, and none of an endpoint another round is sending to right now (so one endpoint is never sent
    to by every worker at once); only ``endpoint_id``'s when given. Returns them with their endpoints; the claim is
    committed on return."""
    token = uuid.uuid4().hex
    busy = set(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, claimed_until__gt=now)
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    due = (
        WebhookDelivery.objects.filter(_free(now), state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .filter(endpoint__is_active=True)
        .exclude(endpoint_id__in=busy)
        .order_by("next_attempt_at", "created_at", "pk")
    )
    if endpoint_id is not None:
        due = due.filter(endpoint_id=endpoint_id)
    with transaction.atomic():
        # Endpoint by endpoint, so that one with thousands of deliveries waiting (it was down) never hides another's.
        owners = list(due.order_by().values_list("endpoint_id", flat=True).distinct()[:limit])
        picked: list[uuid.UUID] = []
        for owner in owners:
            mine = due.filter(endpoint_id=owner).select_for_update(skip_locked=True, of=("self",))
            picked += list(mine.values_list("pk", flat=True)[: min(per_endpoint, limit - len(picked))])
            if len(picked) >= limit:
                break
        if not picked:
            return []
        WebhookDelivery.objects.filter(_free(now), pk__in=picked, state=DeliveryState.PENDING).update(
            claimed_until=now + claim_for, claim_token=token
        )
    return list(
        WebhookDelivery.objects.filter(pk__in=picked, claim_token=token)
        .select_related("endpoint")
        .order_by("next_attempt_at", "created_at", "pk")
    )
