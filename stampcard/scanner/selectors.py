"""Reads for the scanner: the locations a staff login may pair at, devices, alerts, cards as a device sees them."""

import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.models import Card, CardEvent, Program
from stampcard.core.codes import looks_like_card_qr
from stampcard.core.errors import NotFound
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location, Membership, Merchant, StaffUser
from stampcard.scanner.errors import AlertNotFound, DeviceNotFound
from stampcard.scanner.models import AbuseAlert, ScannerDevice


@dataclass(frozen=True)
class StaffLocation:
    location: Location
    membership: Membership


def staff_locations(*, user: StaffUser) -> list[StaffLocation]:
    """Where this login may work: every active location of each merchant it is an active member of, narrowed to
    the membership's own locations when it has some."""
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).select_related("merchant").prefetch_related("locations")
    )
    found: list[StaffLocation] = []
    for membership in memberships:
        limited = {location.pk for location in membership.locations.all()}
        locations = Location.objects.filter(merchant=membership.merchant, is_active=True).order_by("created_at", "pk")
        for location in locations:
            if not limited or location.pk in limited:
                location.merchant = membership.merchant
                found.append(StaffLocation(location=location, membership=membership))
    return found


def staff_location_get(*, user: StaffUser, location_id: str | uuid.UUID) -> StaffLocation:
    """One of ``staff_locations``; NotFound for anything else (another merchant's, inactive, not this login's)."""
    for allowed in staff_locations(user=user):
        if str(allowed.location.pk) == str(location_id).strip().lower():
            return allowed
    raise NotFound(location_id=str(location_id))


def membership_may_work_at(*, membership: Membership, location: Location) -> bool:
    if not membership.is_active or not membership.user.is_active or membership.merchant_id != location.merchant_id:
        return False
    limited = set(membership.locations.values_list("pk", flat=True))
    return not limited or location.pk in limited


def device_program(*, device: ScannerDevice) -> Program | None:
    """The program whose self-service settings guard the device itself (its scan rate): the merchant's default."""
    try:
        return cards_selectors.program_get(merchant=device.merchant)
    except NotFound:
        return Program.objects.filter(merchant=device.merchant, is_active=True).order_by("created_at").first()


def device_card_get(*, device: ScannerDevice, ref: str) -> Card:
    """A card as this device may look it up: by QR payload, or also by six-digit number in manual mode (a number
    is a staff-side lookup key, not a credential a guest may present)."""
    ref = (ref or "").strip()
    if device.is_self_service and not looks_like_card_qr(ref):
        raise NotFound(code="card_not_found")
    return cards_selectors.card_get(merchant=device.merchant, ref=ref)


def _visible_location_ids(actor: Actor) -> set[uuid.UUID] | None:
    """The locations a merchant-side key may see scanner data of; None means all of them."""
    if actor.location is not None:
        return {actor.location.pk}
    if actor.membership is not None:
        limited = set(actor.membership.locations.values_list("pk", flat=True))
        return limited or None
    return None


def devices_list(*, actor: Actor) -> "QuerySet[ScannerDevice]":
    devices = ScannerDevice.objects.filter(merchant=actor.merchant).select_related(
        "merchant", "location", "paired_by__user", "unpaired_by"
    )
    visible = _visible_location_ids(actor)
    if visible is not None:
        devices = devices.filter(location_id__in=visible)
    return devices.order_by("-paired_at", "pk")


def device_get(*, actor: Actor, device_id: str | uuid.UUID) -> ScannerDevice:
    try:
        return devices_list(actor=actor).get(pk=uuid.UUID(str(device_id)))
    except (ValueError, ScannerDevice.DoesNotExist):
        raise DeviceNotFound(device_id=str(device_id)) from None


def alerts_list(*, actor: Actor, state: str = "open") -> "QuerySet[AbuseAlert]":
    """The merchant's alerts (``state``: open, reviewed or all), newest first, as ``actor`` may see them: a staff
    member whose membership is limited to locations sees the alerts raised at those locations and, for an alert
    that names no location (the ledger-wide check), those about a card stamped at one of them.

    A key bound to one location of an unlimited membership still sees them all: an alert is about a card, i.e. a
    customer, who visits every location; the key's location says where it stamps, not what its holder may see."""
    alerts = AbuseAlert.objects.filter(merchant=actor.merchant).select_related(
        "card__customer", "location", "device", "reviewed_by"
    )
    if state == "open":
        alerts = alerts.filter(reviewed_at__isnull=True)
    elif state == "reviewed":
        alerts = alerts.filter(reviewed_at__isnull=False)
    limited = set(actor.membership.locations.values_list("pk", flat=True)) if actor.membership is not None else set()
    if limited:
        alerts = alerts_visible_at(alerts, location_ids=limited)
    return alerts.order_by("-raised_at", "pk")


def alerts_visible_at(alerts: "QuerySet[AbuseAlert]", *, location_ids: set[uuid.UUID]) -> "QuerySet[AbuseAlert]":
    stamped_there = CardEvent.objects.filter(card_id=OuterRef("card_id"), location_id__in=location_ids)
    return alerts.filter(Q(location_id__in=location_ids) | (Q(location__isnull=True) & Exists(stamped_there)))


def alerts_open_count(*, actor: Actor) -> int:
    return alerts_list(actor=actor).count()


def alert_get(*, actor: Actor, alert_id: str | uuid.UUID) -> AbuseAlert:
    try:
        return alerts_list(actor=actor, state="all").get(pk=uuid.UUID(str(alert_id)))
    except (ValueError, AbuseAlert.DoesNotExist):
        raise AlertNotFound(alert_id=str(alert_id)) from None


def card_by_id(*, merchant: Merchant, card_id: int) -> Card:
    """A card of this merchant by its id, loaded for the scanner's card payload."""
    card = (
        Card.objects.filter(merchant=merchant, pk=card_id)
        .select_related("program", "program_version", "customer")
        .first()
    )
    if card is None:
        raise NotFound(code="card_not_found")
    return card
