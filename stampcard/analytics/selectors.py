"""What the analytics page and API v1 read: every figure of a period beside the period before, from the rollups.

``analytics_summary`` is the one entry point (the panel page, the API and ``bench/`` call it). It reads only the
rollup tables (``stampcard.analytics.models``), never the ledger, in a fixed number of queries:

- summable counters (visits, stamps, rewards, vouchers, claims…): one aggregate over ``DayRollup`` for both periods;
- distinct customers (active customers, returning customers): per-day distinct counts cannot be added up (a
  customer of Monday and of Tuesday is one customer of the week). The refresh keeps, per standard period (day,
  week, month) and scope, the set of cards seen (``PeriodCustomers``, a compressed bitmap each); any period is
  covered by a few standard ones (a month, some weeks, some days) whose sets are merged and counted exactly;
- the daily series, busiest hours, lottery draws and the progress snapshot: one query each.

Those queries read the read replica when one is configured (``stampcard.core.reads``): the rollups are minutes old
by design, so a replica seconds behind shows the same figures, and a heavy period cannot slow a till. The merchant's
own ROI settings are read from the primary (a figure just saved shows at once).

A *visit* is one stamping operation (a check or a scan). A visit is *returning* unless it is the card's very first
one; a customer is *returning* in a period when at least one of their visits in it is. Figures that exist only for
the whole business (cards issued, wallet installs, progress) are None under a location or staff filter.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.analytics.cardsets import cardset_union
from stampcard.analytics.models import (
    DayRollup,
    HourRollup,
    LotteryRollup,
    PeriodCustomers,
    ProgressSnapshot,
    RoiSettings,
)
from stampcard.analytics.periods import Period, PeriodKind, period_cover
from stampcard.cards.models import Program
from stampcard.core.errors import NotFound
from stampcard.core.reads import replica_alias
from stampcard.lottery.models import PROBABILITY_SCALE
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.errors import LocationForbidden
from stampcard.merchants.models import Membership, Merchant

FIGURES: tuple[tuple[str, Any, str], ...] = (
    # key, label, format: count | ratio (0..1) | decimal
    ("cards_issued", gettext_lazy("Cards issued"), "count"),
    ("apple_installs", gettext_lazy("Installed in Apple Wallet"), "count"),
    ("google_installs", gettext_lazy("Saved to Google Wallet"), "count"),
    ("active_customers", gettext_lazy("Active customers"), "count"),
    ("visits", gettext_lazy("Visits"), "count"),
    ("stamps", gettext_lazy("Stamps given"), "count"),
    ("visits_per_customer", gettext_lazy("Visits per customer"), "decimal"),
    ("return_rate", gettext_lazy("Return rate"), "ratio"),
    ("rewards_reached", gettext_lazy("Rewards reached"), "count"),
    ("rewards_handed_over", gettext_lazy("Rewards handed over"), "count"),
    ("vouchers_issued", gettext_lazy("Vouchers issued"), "count"),
    ("vouchers_redeemed", gettext_lazy("Vouchers redeemed"), "count"),
    ("voucher_redemption_rate", gettext_lazy("Voucher redemption rate"), "ratio"),
    ("lottery_draws", gettext_lazy("Lottery draws"), "count"),
    ("receipt_claim_conversion", gettext_lazy("Receipt QR claims collected"), "ratio"),
    ("insert_conversion", gettext_lazy("Delivery inserts claimed"), "ratio"),
)
BUSINESS_WIDE = frozenset({"cards_issued", "apple_installs", "google_installs"})
SUMMED = tuple(name for name in DayRollup.COUNTERS)


@dataclass(frozen=True)
class Scope:
    """Which rows count: all of the merchant's, or those of some locations and/or one staff login. ``locations``
    None means every location (and rows at no location); a list limits to those locations."""

    locations: tuple[uuid.UUID, ...] | None = None
    actor_id: uuid.UUID | None = None

    @property
    def narrowed(self) -> bool:
        return self.locations is not None or self.actor_id is not None

    def q(self) -> Q:
        q = Q()
        if self.locations is not None:
            q &= Q(location_id__in=self.locations)
        if self.actor_id is not None:
            q &= Q(actor_id=self.actor_id)
        return q


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    format: str
    value: Decimal | int | None
    previous: Decimal | int | None

    @property
    def change(self) -> Decimal | None:
        """The change against the previous period, as a fraction (0.25 = +25 %); None when there is nothing to
        compare with."""
        if self.value is None or self.previous is None or not self.previous:
            return None
        return _round(Decimal(self.value - self.previous) / Decimal(self.previous), 4)


@dataclass(frozen=True)
class Roi:
    average_check: int
    reward_cost: int
    currency: str
    returning_visits: int
    rewards_given: int
    revenue: int
    cost: int

    @property
    def configured(self) -> bool:
        return bool(self.average_check or self.reward_cost)

    @property
    def net(self) -> int:
        return self.revenue - self.cost

    @property
    def ratio(self) -> Decimal | None:
        return _round(Decimal(self.revenue) / Decimal(self.cost), 2) if self.cost else None


@dataclass
class Summary:
    period: Period
    previous: Period
    scope: Scope
    figures: list[Figure]
    # Per day of the period, the same position of the previous one beside it.
    days: list[dict[str, Any]] = field(default_factory=list)
    # hours[weekday][hour] -> visits in the period.
    hours: list[list[int]] = field(default_factory=list)
    lottery: list[dict[str, Any]] = field(default_factory=list)
    conversion: list[dict[str, Any]] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)
    roi: Roi | None = None

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _ratio(part: int, whole: int, places: int = 4) -> Decimal | None:
    return _round(Decimal(part) / Decimal(whole), places) if whole else None


def _in(period: Period) -> Q:
    return Q(day__gte=period.first, day__lte=period.last)


def _rows(model: Any, *, merchant: Merchant, period: Period, previous: Period, scope: Scope) -> QuerySet[Any]:
    return (
        model.objects.using(replica_alias())
        .filter(merchant=merchant, day__gte=previous.first, day__lte=period.last)
        .filter(scope.q())
    )


def analytics_summary(
    *, merchant: Merchant, period: Period, scope: Scope | None = None, previous: Period | None = None
) -> Summary:
    """Every figure of ``period`` beside ``previous`` (the period just before by default), within ``scope``."""
    scope = scope or Scope()
    previous = previous or period.previous()
    both: dict[str, Any] = {"merchant": merchant, "period": period, "previous": previous, "scope": scope}

    sums: dict[str, Any] = {}
    for name in SUMMED:
        sums[f"{name}__now"] = Sum(name, filter=_in(period))
        sums[f"{name}__before"] = Sum(name, filter=_in(previous))
    totals = {key: value or 0 for key, value in _rows(DayRollup, **both).aggregate(**sums).items()}
    distinct = _distinct_customers(**both)

    def values(when: str) -> dict[str, Any]:
        v = {name: totals[f"{name}__{when}"] for name in SUMMED}
        active, returning = distinct[f"active__{when}"], distinct[f"returning__{when}"]
        v["active_customers"] = active
        v["visits_per_customer"] = _ratio(v["visits"], active, 2)
        v["return_rate"] = _ratio(returning, active)
        v["voucher_redemption_rate"] = _ratio(v["vouchers_issued_redeemed"], v["vouchers_issued"])
        v["receipt_claim_conversion"] = _ratio(v["receipt_claims_collected"], v["receipt_claims_printed"])
        v["insert_conversion"] = _ratio(v["inserts_claimed"], v["inserts_printed"])
        if scope.narrowed:
            for name in BUSINESS_WIDE:
                v[name] = None
        return v

    now, before = values("now"), values("before")
    figures = [Figure(key, str(label), fmt, now[key], before[key]) for key, label, fmt in FIGURES]
    summary = Summary(period=period, previous=previous, scope=scope, figures=figures)
    summary.days = _days(**both)
    summary.hours = _hours(merchant=merchant, period=period, scope=scope)
    summary.lottery = _lottery(merchant=merchant, period=period, scope=scope)
    summary.conversion = [
        {
            "key": "receipt_claims",
            "label": _("Receipt QR claims"),
            "made": now["receipt_claims_printed"],
            "used": now["receipt_claims_collected"],
            "rate": now["receipt_claim_conversion"],
            "previous_rate": before["receipt_claim_conversion"],
        },
        {
            "key": "inserts",
            "label": _("Delivery inserts"),
            "made": now["inserts_printed"],
            "used": now["inserts_claimed"],
            "rate": now["insert_conversion"],
            "previous_rate": before["insert_conversion"],
        },
    ]
    summary.progress = [] if scope.narrowed else progress_distribution(merchant=merchant)
    summary.roi = _roi(merchant=merchant, values=now)
    return summary


def _distinct_customers(*, merchant: Merchant, period: Period, previous: Period, scope: Scope) -> dict[str, int]:
    """Active and returning customers of both periods: each period is covered by the fewest standard periods
    (``period_cover``: a standard period is its own cover), and the sets of cards of their ``PeriodCustomers``
    rows within the scope (several when a manager sees several locations) are merged and counted."""
    covers = {"now": period_cover(period.first, period.last), "before": period_cover(previous.first, previous.last)}
    side: dict[tuple[str, date], str] = {
        (part.kind, part.first): when for when, parts in covers.items() for part in parts
    }
    wanted = Q()
    for standard in (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH):
        firsts = [first for (kind, first) in side if kind == standard]
        if firsts:
            wanted |= Q(kind=standard, first__in=firsts)
    rows = PeriodCustomers.objects.using(replica_alias()).filter(
        wanted, merchant=merchant, by_location=scope.locations is not None, by_actor=scope.actor_id is not None
    )
    if scope.locations is not None:
        rows = rows.filter(location_id__in=scope.locations)
    if scope.actor_id is not None:
        rows = rows.filter(actor_id=scope.actor_id)
    packed: dict[str, list[bytes | memoryview]] = {
        "active__now": [],
        "returning__now": [],
        "active__before": [],
        "returning__before": [],
    }
    for kind, first, active_cards, returning_cards in rows.values_list(
        "kind", "first", "active_cards", "returning_cards"
    ):
        when = side[(kind, first)]
        packed[f"active__{when}"].append(active_cards)
        packed[f"returning__{when}"].append(returning_cards)
    return {name: len(cardset_union(blobs)) for name, blobs in packed.items()}


def _days(*, merchant: Merchant, period: Period, previous: Period, scope: Scope) -> list[dict[str, Any]]:
    by_day = {
        row["day"]: row
        for row in _rows(DayRollup, merchant=merchant, period=period, previous=previous, scope=scope)
        .values("day")
        .annotate(visits=Sum("visits"), stamps=Sum("stamps"), cards_issued=Sum("cards_issued"))
        .order_by("day")
    }
    empty = {"visits": 0, "stamps": 0, "cards_issued": 0}
    days = []
    before_days = previous.each_day()
    for i, day in enumerate(period.each_day()):
        row = by_day.get(day, empty)
        prior = by_day.get(before_days[i], empty) if i < len(before_days) else None
        days.append(
            {
                "day": day,
                "visits": row["visits"],
                "stamps": row["stamps"],
                "cards_issued": row["cards_issued"],
                "previous_visits": prior["visits"] if prior else None,
            }
        )
    return days


def _hours(*, merchant: Merchant, period: Period, scope: Scope) -> list[list[int]]:
    grid = [[0] * 24 for _weekday in range(7)]
    rows = (
        HourRollup.objects.using(replica_alias())
        .filter(merchant=merchant)
        .filter(_in(period), scope.q())
        .values("weekday", "hour")
        .annotate(n=Sum("visits"))
        .order_by()
    )
    for row in rows:
        grid[row["weekday"]][row["hour"]] = row["n"]
    return grid


def _lottery(*, merchant: Merchant, period: Period, scope: Scope) -> list[dict[str, Any]]:
    """Draws per prize-table line in the period against the line's odds (its current probability)."""
    rows = (
        LotteryRollup.objects.using(replica_alias())
        .filter(merchant=merchant)
        .filter(_in(period), scope.q())
        .values("lottery_id", "lottery__name", "variant_id", "variant__name", "variant__probability_ppm")
        .annotate(n=Sum("draws"))
        .order_by("lottery__name", "lottery_id", "variant__position")
    )
    totals: dict[Any, int] = {}
    for row in rows:
        totals[row["lottery_id"]] = totals.get(row["lottery_id"], 0) + row["n"]
    return [
        {
            "lottery": row["lottery__name"],
            "prize": row["variant__name"],
            "draws": row["n"],
            "share": _ratio(row["n"], totals[row["lottery_id"]]),
            "odds": _round(Decimal(row["variant__probability_ppm"]) / PROBABILITY_SCALE, 4),
        }
        for row in rows
    ]


def progress_distribution(*, merchant: Merchant) -> list[dict[str, Any]]:
    """Per program, how many cards are 1, 2, 3 or more stamps away from their next reward (the snapshot the
    refresh keeps; the program's current goals)."""
    using = replica_alias()
    programs = {p.pk: p for p in Program.objects.using(using).filter(merchant=merchant).order_by("name", "pk")}
    buckets: dict[Any, list[int]] = {pk: [0, 0, 0, 0] for pk in programs}
    for program_id, stamps, cards in (
        ProgressSnapshot.objects.using(using).filter(merchant=merchant).values_list("program_id", "stamps", "cards")
    ):
        program = programs.get(program_id)
        if program is None:
            continue
        goals = sorted(int(m["at"]) for m in program.milestone_list())
        next_goal = next((g for g in goals if g > stamps), None)
        away = (next_goal - stamps) if next_goal is not None else 1
        buckets[program_id][min(away, 4) - 1] += cards
    return [
        {"program": programs[pk].name, "one": b[0], "two": b[1], "three": b[2], "more": b[3], "total": sum(b)}
        for pk, b in buckets.items()
    ]


def roi_settings_get(*, merchant: Merchant) -> RoiSettings:
    return RoiSettings.objects.filter(merchant=merchant).first() or RoiSettings(merchant=merchant)


def _roi(*, merchant: Merchant, values: dict[str, Any]) -> Roi:
    settings = roi_settings_get(merchant=merchant)
    returning = values["returning_visits"]
    given = values["rewards_handed_over"] + values["vouchers_redeemed"]
    return Roi(
        average_check=settings.average_check,
        reward_cost=settings.reward_cost,
        currency=merchant.currency,
        returning_visits=returning,
        rewards_given=given,
        revenue=returning * settings.average_check,
        cost=given * settings.reward_cost,
    )


def analytics_scope(
    *,
    merchant: Merchant,
    allowed_locations: list[uuid.UUID] | None,
    location_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
) -> Scope:
    """The scope a staff member asked for, within what they may see. ``allowed_locations`` None means every
    location (an unlimited membership); a membership limited to some locations sees only theirs, never the
    business-wide rows. Raises NotFound for another merchant's location or staff login, LocationForbidden for a
    location of the merchant the member is not allowed."""
    locations: tuple[uuid.UUID, ...] | None = tuple(allowed_locations) if allowed_locations is not None else None
    if location_id is not None:
        location = merchants_selectors.location_get(merchant=merchant, location_id=location_id)
        if locations is not None and location.pk not in locations:
            raise LocationForbidden(location_id=str(location.pk))
        locations = (location.pk,)
    if staff_id is not None and not Membership.objects.filter(merchant=merchant, user_id=staff_id).exists():
        raise NotFound(code="staff_not_found", staff_id=str(staff_id))
    return Scope(locations=locations, actor_id=staff_id)


def allowed_locations_of(membership: Membership | None) -> list[uuid.UUID] | None:
    """The locations a membership is limited to, or None when it sees the whole business."""
    if membership is None:
        return None
    limited = list(membership.locations.values_list("pk", flat=True))
    return limited or None
