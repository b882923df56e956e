"""Which of the merchant's locations a card's wallet pass carries, so the phone brings the pass up near them.

Both wallets take at most ten points per pass (Apple's ``locations``; Google's ``merchantLocations``, see
shared/reference/wallet.md), and a merchant may have more locations than that. Each card gets the ten nearest to
where it was last stamped (the location of its newest stamp): a customer's own neighbourhood, not the merchant's
first ten branches. A card never stamped at a known place gets the merchant's first locations, oldest first.

Only active locations with coordinates and "show on passes" on count. A pass shows what is chosen here when it is
built, so a card stamped somewhere new gets its new neighbours with the update that stamp causes anyway; a change of
the locations themselves refreshes every pass (``wallet.tasks.merchant_passes_refresh``).
"""

import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Subquery

from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.merchants.models import Location

MAX_PASS_LOCATIONS = 10
EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG); the error against the ellipsoid is well under 1%

# What of a location a pass shows (the lock-screen points and the back's list of places): a change of any of these
# refreshes the merchant's passes.
PASS_FIELDS = ("name", "address", "latitude", "longitude", "relevant_text", "show_on_passes", "is_active")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def pass_fields(location: Location) -> tuple[Any, ...]:
    """The location as passes show it: compare before and after a change to know whether passes must follow."""
    return tuple(getattr(location, name) for name in PASS_FIELDS)


def nearest(
    locations: Sequence[Location], *, origin: tuple[float, float] | None, limit: int = MAX_PASS_LOCATIONS
) -> list[Location]:
    """Up to ``limit`` of ``locations`` (all with coordinates, in the merchant's order), nearest to ``origin`` first;
    without an origin the first ones as they come. Equal distances keep the merchant's order."""
    if origin is None:
        return list(locations[:limit])
    lat, lon = origin
    ranked = sorted(
        enumerate(locations),
        key=lambda pair: (distance_m(lat, lon, float(pair[1].latitude), float(pair[1].longitude)), pair[0]),  # type: ignore[arg-type]
    )
    return [location for _, location in ranked[:limit]]


def pass_locations_by_card(*, cards: Sequence[Card]) -> dict[int, list[Location]]:
    """For each card, the locations its pass carries, nearest to its last visit first. Three queries, any number of
    cards (of any merchants)."""
    if not cards:
        return {}
    last_place = dict(
        Card.objects.filter(pk__in=[card.pk for card in cards])
        .annotate(
            last_place=Subquery(
                CardEvent.objects.filter(card_id=OuterRef("pk"), kind=EventKind.STAMP, location__isnull=False)
                .order_by("-id")
                .values("location_id")[:1]
            )
        )
        .values_list("pk", "last_place")
    )
    # An annotated subquery skips the column's converter: SQLite hands the UUID back as its stored hex text.
    last_place = {card_id: None if place is None else uuid.UUID(str(place)) for card_id, place in last_place.items()}
    shown: dict[Any, list[Location]] = defaultdict(list)
    for location in Location.objects.filter(
        merchant_id__in={card.merchant_id for card in cards},
        is_active=True,
        show_on_passes=True,
        latitude__isnull=False,
        longitude__isnull=False,
    ).order_by("created_at", "pk"):
        shown[location.merchant_id].append(location)
    # The place of the last visit counts even when it is no longer shown (closed, hidden): its neighbours still are.
    origins: dict[uuid.UUID | None, tuple[float, float]] = {
        pk: (float(lat), float(lon))  # type: ignore[arg-type]  # both filtered non-null
        for pk, lat, lon in Location.objects.filter(
            pk__in={place for place in last_place.values() if place is not None},
            latitude__isnull=False,
            longitude__isnull=False,
        ).values_list("pk", "latitude", "longitude")
    }
    return {card.pk: nearest(shown[card.merchant_id], origin=origins.get(last_place.get(card.pk))) for card in cards}
