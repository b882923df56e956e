"""Reads of outbound webhooks, each through the tenant door: another merchant's id answers NotFound."""

import uuid
from typing import Any

from django.db.models import QuerySet

from stampcard.campaigns.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def endpoint_get(*, merchant: Merchant, endpoint_id: Any, lock: bool = False) -> WebhookEndpoint:
    rows = WebhookEndpoint.objects.filter(merchant=merchant, pk=_uuid(endpoint_id))
    found = (rows.select_for_update() if lock else rows).first()
    if found is None:
        raise NotFound()
    return found


def endpoints_list(*, merchant: Merchant) -> "QuerySet[WebhookEndpoint]":
    return WebhookEndpoint.objects.filter(merchant=merchant).order_by("created_at", "pk")


def delivery_get(*, merchant: Merchant, delivery_id: Any, lock: bool = False) -> WebhookDelivery:
    rows = WebhookDelivery.objects.filter(merchant=merchant, pk=_uuid(delivery_id))
    found = (rows.select_for_update(of=("self",)) if lock else rows).select_related("endpoint").first()
    if found is None:
        raise NotFound()
    return found


def deliveries_of_endpoint(*, endpoint: WebhookEndpoint, limit: int = 50, offset: int = 0) -> list[WebhookDelivery]:
    """The endpoint's deliveries, newest first, each with its attempts (newest first) in ``attempt_list``."""
    deliveries = list(
        WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")[offset : offset + limit]
    )
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {delivery.pk: [] for delivery in deliveries}
    for attempt in WebhookAttempt.objects.filter(delivery__in=deliveries).order_by("-started_at", "-id"):
        attempts[attempt.delivery_id].append(attempt)
    for delivery in deliveries:
        delivery.attempt_list = attempts[delivery.pk]  # type: ignore[attr-defined]
    return deliveries
