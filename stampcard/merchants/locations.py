"""Writes for a merchant's locations from the panel: add (within the plan), details and coordinates, opening hours,
deactivate and reactivate. A manager edits details and hours; adding and (de)activating is the owner's."""

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ValidationFailed
from stampcard.merchants import errors, keycache, locks
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import RELEVANT_TEXT_MAX, Location, OpeningHours, Role, Weekday
from stampcard.merchants.plans import limits_for
from stampcard.merchants.services import ensure_role, location_create


@dataclass(frozen=True)
class DayHours:
    weekday: int
    closed: bool
    opens: time | None = None
    closes: time | None = None
    overnight: bool = False


def _coordinates_check(latitude: Decimal | None, longitude: Decimal | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(
            _("Give both latitude and longitude, or neither."), code="coordinates_incomplete", field="latitude"
        )
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        raise ValidationFailed(_("Latitude is between -90 and 90."), code="latitude_out_of_range", field="latitude")
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        raise ValidationFailed(
            _("Longitude is between -180 and 180."), code="longitude_out_of_range", field="longitude"
        )


def _relevant_text_check(text: str) -> str:
    text = " ".join(text.split())  # one line: the lock screen has no room for line breaks
    if len(text) > RELEVANT_TEXT_MAX:
        raise ValidationFailed(
            _("Keep the lock screen text to %(max)d characters (now %(length)d): longer text is cut off.")
            % {"max": RELEVANT_TEXT_MAX, "length": len(text)},
            code="relevant_text_too_long",
            field="relevant_text",
        )
    return text


def _name_check(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the location a name."), code="location_name_required", field="name")
    return name


@transaction.atomic
def location_add(
    *,
    actor: Actor,
    name: str,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    relevant_text: str = "",
    show_on_passes: bool = True,
) -> Location:
    """Add a location. Raises RoleForbidden (owners only), LocationLimitReached or ValidationFailed."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    _coordinates_check(latitude, longitude)
    relevant_text = _relevant_text_check(relevant_text)
    location = location_create(merchant=actor.merchant, name=_name_check(name), address=address.strip())
    location.latitude, location.longitude = latitude, longitude
    location.relevant_text, location.show_on_passes = relevant_text, show_on_passes
    location.save(update_fields=["latitude", "longitude", "relevant_text", "show_on_passes"])
    return location


def location_update(
    *,
    actor: Actor,
    location: Location,
    name: str,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    relevant_text: str | None = None,
    show_on_passes: bool | None = None,
) -> Location:
    """Change a location's details; ``relevant_text`` and ``show_on_passes`` stay as they are when None.

    Wallet passes show locations, so the caller (a layer above, which knows the wallets) has their passes refreshed
    when what they show changed."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    _coordinates_check(latitude, longitude)
    location.name, location.address = _name_check(name), address.strip()
    location.latitude, location.longitude = latitude, longitude
    if relevant_text is not None:
        location.relevant_text = _relevant_text_check(relevant_text)
    if show_on_passes is not None:
        location.show_on_passes = show_on_passes
    location.save(update_fields=["name", "address", "latitude", "longitude", "relevant_text", "show_on_passes"])
    return location


@transaction.atomic
def location_set_active(*, actor: Actor, location: Location, active: bool) -> Location:
    """Deactivate (keys, devices and staff stop acting there) or reactivate within the plan's locations."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    subscription = locks.subscription_lock(merchant=actor.merchant)
    if active and not location.is_active:
        limit = limits_for(subscription).locations
        if limit is not None and Location.objects.filter(merchant=actor.merchant, is_active=True).count() >= limit:
            raise errors.LocationLimitReached(limit=limit)
    others = Location.objects.filter(merchant=actor.merchant, is_active=True).exclude(pk=location.pk)
    if not active and location.is_active and not others.exists():
        raise ValidationFailed(_("A business keeps at least one active location."), code="last_active_location")
    Location.objects.filter(pk=location.pk).update(is_active=active)
    keycache.api_keys_forget()
    location.is_active = active
    return location


def _day_check(day: DayHours) -> None:
    label = Weekday(day.weekday).label
    if day.closed:
        return
    if day.opens is None or day.closes is None:
        raise ValidationFailed(
            _("%(day)s: give the opening and the closing time, or mark the day closed.") % {"day": label},
            code="opening_hours_incomplete",
            field=f"day{day.weekday}",
        )
    if day.closes == day.opens:
        raise ValidationFailed(
            _("%(day)s: the closing time equals the opening time.") % {"day": label},
            code="opening_hours_empty",
            field=f"day{day.weekday}",
        )
    if day.closes < day.opens and not day.overnight:
        raise ValidationFailed(
            _("%(day)s: the closing time is before the opening time. Tick “closes after midnight” if it does.")
            % {"day": label},
            code="opening_hours_close_before_open",
            field=f"day{day.weekday}",
        )
    if day.closes > day.opens and day.overnight:
        raise ValidationFailed(
            _("%(day)s: “closes after midnight” needs a closing time earlier than the opening time.") % {"day": label},
            code="opening_hours_not_overnight",
            field=f"day{day.weekday}",
        )


@transaction.atomic
def opening_hours_set(*, actor: Actor, location: Location, days: list[DayHours]) -> list[OpeningHours]:
    """Replace the location's weekly hours with ``days`` (weekdays not given have no hours stated)."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    if location.merchant_id != actor.merchant.pk:
        raise errors.LocationForbidden(location_id=str(location.pk))
    for day in days:
        _day_check(day)
    OpeningHours.objects.filter(location=location).delete()
    return OpeningHours.objects.bulk_create(
        OpeningHours(
            location=location,
            weekday=day.weekday,
            closed=day.closed,
            opens=None if day.closed else day.opens,
            closes=None if day.closed else day.closes,
            overnight=False if day.closed else day.overnight,
        )
        for day in sorted(days, key=lambda d: d.weekday)
    )
