"""Reads of campaigns, through the tenant door: another merchant's id answers NotFound."""

import uuid
from typing import Any

from django.db.models import QuerySet

from stampcard.campaigns.campaigns.models import Campaign
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def campaign_get(*, merchant: Merchant, campaign_id: Any, lock: bool = False) -> Campaign:
    rows = Campaign.objects.filter(merchant=merchant, pk=_uuid(campaign_id))
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = rows.select_related("message").first()
    if found is None:
        raise NotFound()
    return found


def campaigns_list(*, merchant: Merchant, limit: int = 50, offset: int = 0) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(merchant=merchant)
        .select_related("message")
        .order_by("-created_at", "-pk")[offset : offset + limit]
    )
