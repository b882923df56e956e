"""How long deliveries are kept: the panel shows recent ones, nobody needs last year's."""

from datetime import datetime, timedelta

from stampcard.campaigns.webhooks.models import DeliveryState, WebhookDelivery
from stampcard.core import clock

KEEP_FINISHED = timedelta(days=30)  # delivered and failed deliveries are kept this long, with their attempts


def deliveries_prune(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete delivered and failed deliveries older than ``KEEP_FINISHED`` (their attempts go with them)."""
    cutoff = (now or clock.now()) - KEEP_FINISHED
    finished = WebhookDelivery.objects.filter(
        state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED], created_at__lt=cutoff
    )
    removed = 0
    while ids := list(finished.values_list("pk", flat=True)[:batch]):
        WebhookDelivery.objects.filter(pk__in=ids).delete()
        removed += len(ids)
    return removed
