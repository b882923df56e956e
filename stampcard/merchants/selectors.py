"""Reads for tenancy: every tenant object is fetched through a function that takes the merchant."""

import uuid

from stampcard.core.errors import NotFound
from stampcard.merchants.models import Location, Merchant


def location_get(*, merchant: Merchant, location_id: str | uuid.UUID) -> Location:
    try:
        return Location.objects.get(merchant=merchant, pk=uuid.UUID(str(location_id)))
    except (ValueError, Location.DoesNotExist):
        raise NotFound(code="location_not_found", location_id=str(location_id)) from None
