"""The distinct customers of each standard period (day, week, month), per scope: the sets behind "active
customers" and "return rate", which cannot be added up across days. A day's set is read from its ``VisitDay`` rows;
a week's or a month's is the union of its days' sets (``rollups`` rebuilds the days first)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from pyroaring import BitMap

from stampcard.analytics.cardsets import cardset_pack, cardset_unpack
from stampcard.analytics.models import PeriodCustomers, VisitDay
from stampcard.analytics.periods import Period, PeriodKind, period_resolve
from stampcard.merchants.models import Merchant

Dims = tuple[Any, Any]  # (location_id, actor_id)


def periods_of(days: Iterable[date]) -> list[Period]:
    """The standard periods (day, week, month) holding any of ``days``: the days first, since a week's or a month's
    distinct customers are made from its days'."""
    kinds = (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH)
    found = {period_resolve(kind=kind, today=day) for day in days for kind in kinds}
    return sorted(found, key=lambda p: (kinds.index(p.kind), p.first))


SCOPES = ((False, False), (True, False), (False, True), (True, True))  # (by location, by staff login)
ScopeKey = tuple[bool, bool, Any, Any]  # (by location, by staff login, location_id, actor_id)


def period_customers_rebuild(*, merchant: Merchant, period: Period) -> None:
    """Replace the distinct customers of one standard period, for the whole business and per location, staff
    login and both: a day's from its ``VisitDay`` rows, a week's or a month's as the union of its days' sets."""
    active: dict[ScopeKey, BitMap] = defaultdict(BitMap)
    returning: dict[ScopeKey, BitMap] = defaultdict(BitMap)
    if period.kind == PeriodKind.DAY:
        # The rows are grouped by (location, staff login) first, and each group's numbers go into a set at once:
        # a busy day holds tens of thousands of rows, and each belongs to four scopes.
        active_numbers: dict[Dims, list[int]] = defaultdict(list)
        returning_numbers: dict[Dims, list[int]] = defaultdict(list)
        rows = VisitDay.objects.filter(merchant=merchant, day=period.first).values_list(
            "location_id", "actor_id", "card__number", "visits", "first_visit"
        )
        for location_id, actor_id, number, visits, first_visit in rows.iterator(chunk_size=5000):
            active_numbers[(location_id, actor_id)].append(int(number))
            if visits > first_visit:
                returning_numbers[(location_id, actor_id)].append(int(number))
        for sets, numbers in ((active, active_numbers), (returning, returning_numbers)):
            for (location_id, actor_id), group in numbers.items():
                cards = BitMap(group)
                for by_location, by_actor in SCOPES:
                    key = (by_location, by_actor, location_id if by_location else None, actor_id if by_actor else None)
                    sets[key] |= cards
    else:
        days = PeriodCustomers.objects.filter(
            merchant=merchant, kind=PeriodKind.DAY, first__gte=period.first, first__lte=period.last
        ).values_list("by_location", "by_actor", "location_id", "actor_id", "active_cards", "returning_cards")
        for by_location, by_actor, location_id, actor_id, active_cards, returning_cards in days.iterator(chunk_size=50):
            key = (by_location, by_actor, location_id, actor_id)
            active[key] |= cardset_unpack(active_cards)
            returning[key] |= cardset_unpack(returning_cards)
    PeriodCustomers.objects.filter(merchant=merchant, kind=period.kind, first=period.first).delete()
    PeriodCustomers.objects.bulk_create(
        [
            PeriodCustomers(
                merchant=merchant,
                kind=period.kind,
                first=period.first,
                by_location=by_location,
                by_actor=by_actor,
                location_id=location_id,
                actor_id=actor_id,
                active=len(cards),
                returning=len(returning[by_location, by_actor, location_id, actor_id]),
                active_cards=cardset_pack(cards),
                returning_cards=cardset_pack(returning[by_location, by_actor, location_id, actor_id]),
            )
            for (by_location, by_actor, location_id, actor_id), cards in active.items()
            if cards
        ],
        batch_size=100,
    )
