"""Reads for tenancy: every tenant object is fetched through a function that takes the merchant."""

import uuid

from django.db.models import QuerySet

from stampcard.core.errors import NotFound
from stampcard.merchants.models import ApiKey, Location, Membership, Merchant


def location_get(*, merchant: Merchant, location_id: str | uuid.UUID) -> Location:
    try:
        return Location.objects.get(merchant=merchant, pk=uuid.UUID(str(location_id)))
    except (ValueError, Location.DoesNotExist):
        raise NotFound(code="location_not_found", location_id=str(location_id)) from None


def memberships_list(*, merchant: Merchant, active_only: bool = False) -> "QuerySet[Membership]":
    memberships = Membership.objects.filter(merchant=merchant).select_related("user").prefetch_related("locations")
    if active_only:
        memberships = memberships.filter(is_active=True, user__is_active=True)
    return memberships.order_by("-is_active", "user__full_name", "user__email")


def membership_get(*, merchant: Merchant, membership_id: str | int) -> Membership:
    try:
        return memberships_list(merchant=merchant).get(pk=int(str(membership_id)))
    except (ValueError, Membership.DoesNotExist):
        raise NotFound(code="membership_not_found", membership_id=str(membership_id)) from None


def api_keys_list(*, merchant: Merchant, membership: Membership | None = None) -> "QuerySet[ApiKey]":
    """The merchant's keys, newest first; only ``membership``'s when given (a manager sees their own)."""
    keys = ApiKey.objects.filter(merchant=merchant).select_related("membership__user", "location")
    if membership is not None:
        keys = keys.filter(membership=membership)
    return keys.order_by("revoked_at", "-created_at", "pk")


def api_key_get(*, merchant: Merchant, key_id: str | uuid.UUID, membership: Membership | None = None) -> ApiKey:
    try:
        return api_keys_list(merchant=merchant, membership=membership).get(pk=uuid.UUID(str(key_id)))
    except (ValueError, ApiKey.DoesNotExist):
        raise NotFound(code="api_key_not_found", key_id=str(key_id)) from None


def locations_list(*, merchant: Merchant, active_only: bool = False) -> "QuerySet[Location]":
    locations = Location.objects.filter(merchant=merchant)
    if active_only:
        locations = locations.filter(is_active=True)
    return locations.order_by("-is_active", "created_at", "pk")


def membership_location_ids(*, membership: Membership | None) -> frozenset[uuid.UUID] | None:
    """The locations a membership is limited to, or None when it sees the whole merchant (not limited, or no
    membership: the system). What a location-limited manager may see of customers, the journal and alerts."""
    if membership is None:
        return None
    limited = frozenset(membership.locations.values_list("pk", flat=True))
    return limited or None
