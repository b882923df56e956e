"""The rollup refresh: rebuilds whole (merchant, local day) buckets from the ledger and its neighbour tables.

How a run works (``rollups_refresh``, enqueued every few minutes by ``stampcard beat``):

1. It locks its cursor row (``RollupCursor``), so two workers never refresh at once: the second waits and then
   finds nothing new.
2. It reads the ledger forward from the cursor by primary key; rows younger than ``SETTLE`` are left for the next
   run, since a transaction that took a lower id may still be committing. Every row marks its (merchant, local
   day) dirty. Facts kept outside the ledger (cards issued, wallet installs, free-standing vouchers, receipt claims
   printed or collected, inserts printed or claimed) mark their day dirty when their timestamp falls after the
   previous run (minus an overlap of ``SETTLE``).
3. Each dirty day is *rebuilt*, not incremented: its rows in every rollup table are deleted and computed again
   from the source rows of that day. A rebuild is therefore idempotent, a repeated or overlapping run changes
   nothing, and a late row is picked up by the next rebuild of its day (today's is rebuilt at every event).

Days are the merchant's calendar days (``Merchant.tz``): a day is [local midnight, next local midnight), 23 or 25
hours long when the clocks change. A merchant who changes time zone gets every day rebuilt with
``rollups_rebuild``.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Exists, Field, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, ExtractHour, TruncDate

from stampcard.analytics.models import (
    DayRollup,
    HourRollup,
    LotteryRollup,
    PeriodCustomers,
    ProgressSnapshot,
    RollupCursor,
    VisitDay,
)
from stampcard.analytics.period_customers import period_customers_rebuild, periods_of
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.core import clock
from stampcard.inserts.models import InsertBatch, InsertClaim
from stampcard.lottery.models import LotteryVariant
from stampcard.merchants.models import Merchant
from stampcard.receipts.models import ReceiptToken
from stampcard.vouchers.models import Voucher
from stampcard.wallet.apple.models import AppleRegistration
from stampcard.wallet.google.models import GoogleCallbackEvent, WalletEventType

CURSOR = "analytics.rollups"
SETTLE = timedelta(minutes=1)
BATCH = 20_000

Dims = tuple[Any, Any]  # (location_id, actor_id)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in ``tz`` (23 or 25 hours long on DST changes)."""
    return datetime.combine(day, time.min, tzinfo=tz), datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


@dataclass
class RefreshResult:
    events: int = 0
    days: int = 0
    merchants: int = 0


def rollups_refresh(*, now: datetime | None = None, batch: int = BATCH) -> RefreshResult:
    """Read the ledger and neighbour tables since the last run and rebuild every (merchant, day) they touched."""
    now = now or clock.now()
    result = RefreshResult()
    with transaction.atomic():
        cursor, created = RollupCursor.objects.select_for_update().get_or_create(name=CURSOR)
        if created:
            # The first run ever: every merchant is rebuilt from scratch, and the ledger is read from its end.
            return _rebuild_all(cursor=cursor, now=now)
        rows = list(
            CardEvent.objects.filter(pk__gt=cursor.last_event_id)
            .order_by("pk")
            .values_list("pk", "merchant_id", "created_at")[:batch]
        )
        settled = next((i for i, row in enumerate(rows) if row[2] >= now - SETTLE), len(rows))
        rows = rows[:settled]
        touched: dict[Any, list[datetime]] = defaultdict(list)
        for _pk, merchant_id, at in rows:
            touched[merchant_id].append(at)
        since = cursor.ran_at - SETTLE if cursor.ran_at else None
        for merchant_id, at in _outside_ledger_since(since):
            touched[merchant_id].append(at)
        merchants = Merchant.objects.in_bulk(list(touched))
        for merchant_id, moments in touched.items():
            merchant = merchants[merchant_id]
            days = sorted({local_day(at, merchant.tz) for at in moments})
            for day in days:
                day_rebuild(merchant=merchant, day=day)
            for period in periods_of(days):
                period_customers_rebuild(merchant=merchant, period=period)
            progress_rebuild(merchant=merchant)
            result.days += len(days)
        result.events, result.merchants = len(rows), len(touched)
        if rows:
            cursor.last_event_id = rows[-1][0]
        # Only a run that read the ledger to its settled end moves the clock of the tables outside it, so that a
        # backfill in batches does not skip their rows.
        if len(rows) < batch:
            cursor.ran_at = now
        cursor.save()
    return result


def rollups_rebuild_all(*, now: datetime | None = None) -> RefreshResult:
    """Rebuild every merchant's rollups and move the cursor to the end of the settled ledger."""
    now = now or clock.now()
    with transaction.atomic():
        cursor, _created = RollupCursor.objects.select_for_update().get_or_create(name=CURSOR)
        return _rebuild_all(cursor=cursor, now=now)


def _rebuild_all(*, cursor: RollupCursor, now: datetime) -> RefreshResult:
    """Precondition: the caller holds the cursor's lock. ``events`` of the result is the ledger line read to."""
    last = (
        CardEvent.objects.filter(created_at__lt=now - SETTLE).order_by("-pk").values_list("pk", flat=True).first()
    ) or 0
    result = RefreshResult(events=last)
    for merchant in Merchant.objects.order_by("pk"):
        result.days += rollups_rebuild(merchant=merchant)
        result.merchants += 1
    cursor.last_event_id = max(cursor.last_event_id, last)
    cursor.ran_at = now
    cursor.save()
    return result


def rollups_rebuild(*, merchant: Merchant) -> int:
    """Rebuild every day of one merchant from scratch (after a time-zone change, or to check the rollups)."""
    tz = merchant.tz
    days: set[date] = set()
    for qs, merchant_field, at_field in [(CardEvent.objects.all(), "merchant_id", "created_at"), *_sources()]:
        local = TruncDate(at_field, tzinfo=tz)
        rows = qs.filter(**{merchant_field: merchant.pk, f"{at_field}__isnull": False})
        days |= set(rows.annotate(local_day=local).values_list("local_day", flat=True).distinct().order_by())
    with transaction.atomic():
        for table in (DayRollup, VisitDay, HourRollup, LotteryRollup, PeriodCustomers):
            table.objects.filter(merchant=merchant).delete()
        for day in sorted(days):
            day_rebuild(merchant=merchant, day=day)
        for period in periods_of(days):
            period_customers_rebuild(merchant=merchant, period=period)
        progress_rebuild(merchant=merchant)
    return len(days)


def _sources() -> list[tuple[Any, str, str]]:
    """The facts kept outside the ledger: (rows, merchant field, moment field)."""
    return [
        (Card.objects.all(), "merchant_id", "created_at"),
        (Voucher.objects.all(), "merchant_id", "created_at"),
        (Voucher.objects.filter(redeemed_at__isnull=False), "merchant_id", "redeemed_at"),
        (ReceiptToken.objects.all(), "merchant_id", "created_at"),
        (ReceiptToken.objects.filter(claimed_at__isnull=False), "merchant_id", "claimed_at"),
        (InsertBatch.objects.all(), "merchant_id", "created_at"),
        (InsertClaim.objects.all(), "merchant_id", "created_at"),
        (AppleRegistration.objects.all(), "apple_pass__merchant_id", "created_at"),
        (GoogleCallbackEvent.objects.all(), "merchant_id", "created_at"),
    ]


def _outside_ledger_since(since: datetime | None, *, merchant_id: Any = None) -> Iterable[tuple[Any, datetime]]:
    """(merchant id, moment) of every fact kept outside the ledger that happened after ``since``."""
    for qs, merchant_field, at_field in _sources():
        if since is not None:
            qs = qs.filter(**{f"{at_field}__gt": since})
        if merchant_id is not None:
            qs = qs.filter(**{merchant_field: merchant_id})
        yield from qs.values_list(merchant_field, at_field).iterator()
    # A redemption also changes the day its voucher was issued (its count of vouchers issued and redeemed by now).
    redeemed = Voucher.objects.filter(redeemed_at__isnull=False)
    if since is not None:
        redeemed = redeemed.filter(redeemed_at__gt=since)
    if merchant_id is not None:
        redeemed = redeemed.filter(merchant_id=merchant_id)
    yield from redeemed.values_list("merchant_id", "created_at").iterator()


# --- one day -------------------------------------------------------------------------------------------------------


def day_rebuild(*, merchant: Merchant, day: date) -> None:
    """Replace the rollup rows of ``merchant``'s local ``day`` with ones computed from the source rows.

    The ledger is read by aggregate queries, and the day's ``VisitDay`` rows are written by one
    ``INSERT … SELECT … GROUP BY`` inside the database: a busy day holds tens of thousands of stamps, and a full
    rebuild (``rollups_rebuild``) goes through every day of two years, so no ledger line travels to Python."""
    start, end = day_bounds(day, merchant.tz)
    for table in (DayRollup, VisitDay, HourRollup, LotteryRollup):
        table.objects.filter(merchant=merchant, day=day).delete()
    counters: dict[Dims, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    events = CardEvent.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end).order_by()
    _ledger_count(events, counters)
    stamps = events.filter(kind=EventKind.STAMP)
    _visit_days_insert(merchant=merchant, day=day, stamps=stamps)
    for location_id, actor_id in _first_visits_mark(merchant=merchant, day=day, stamps=stamps, start=start):
        counters[(location_id, actor_id)]["first_visits"] += 1
    hours = (
        stamps.annotate(hour=ExtractHour("created_at", tzinfo=merchant.tz))
        .values_list("location_id", "actor_id", "hour")
        .annotate(n=Count("pk"))
    )
    draws: dict[tuple[Any, Any, str, str], int] = defaultdict(int)
    for location_id, actor_id, payload in events.filter(kind=EventKind.LOTTERY_DRAW).values_list(
        "location_id", "actor_id", "payload"
    ):
        if payload.get("lottery_id") and payload.get("variant_id"):
            draws[(location_id, actor_id, payload["lottery_id"], payload["variant_id"])] += 1

    def count(qs: Any, counter: str, at: str, *, where: str = "", by: str = "", amount: str = "") -> None:
        """Add the rows of ``qs`` whose ``at`` falls on the day to ``counter``, under their location and actor
        (the fields ``where`` and ``by``; none when empty), one each or their ``amount``."""
        rows = qs.filter(merchant=merchant, **{f"{at}__gte": start, f"{at}__lt": end})
        fields = [where or "merchant_id", by or "merchant_id", amount or "pk"]
        for location_id, actor_id, value in rows.values_list(*fields).iterator():
            dims = (location_id if where else None, actor_id if by else None)
            counters[dims][counter] += value if amount else 1

    # Cards are issued at no location and by no staff login: the customer joined.
    count(Card.objects.all(), "cards_issued", "created_at")
    count(Voucher.objects.all(), "vouchers_issued", "created_at", by="issued_by_id")
    count(Voucher.objects.all(), "vouchers_redeemed", "redeemed_at", where="redeemed_location_id", by="redeemed_by_id")
    # The redemption rate's numerator: of the vouchers issued this day, those redeemed by now, so that the rate of
    # a period never counts a redemption of a voucher issued before it (which read "500 %" on a quiet week).
    count(
        Voucher.objects.filter(redeemed_at__isnull=False), "vouchers_issued_redeemed", "created_at", by="issued_by_id"
    )
    count(ReceiptToken.objects.all(), "receipt_claims_printed", "created_at", where="location_id", by="created_by_id")
    count(ReceiptToken.objects.all(), "receipt_claims_collected", "claimed_at", where="location_id", by="created_by_id")
    count(
        InsertBatch.objects.all(),
        "inserts_printed",
        "created_at",
        where="location_id",
        by="created_by_id",
        amount="count",
    )
    count(
        InsertClaim.objects.all(),
        "inserts_claimed",
        "created_at",
        where="batch__location_id",
        by="batch__created_by_id",
    )
    apple, google = _installs(merchant=merchant, start=start, end=end)
    if apple:
        counters[(None, None)]["apple_installs"] += apple
    if google:
        counters[(None, None)]["google_installs"] += google

    base = {"merchant": merchant, "day": day}
    DayRollup.objects.bulk_create(
        [
            DayRollup(
                **base,
                location_id=location_id,
                actor_id=actor_id,
                returning_visits=values.get("visits", 0) - values.get("first_visits", 0),
                **{name: values.get(name, 0) for name in DayRollup.COUNTERS if name != "returning_visits"},
            )
            for (location_id, actor_id), values in counters.items()
            if any(values.values())
        ]
    )
    weekday = day.weekday()
    HourRollup.objects.bulk_create(
        [
            HourRollup(**base, location_id=location_id, actor_id=actor_id, weekday=weekday, hour=hour, visits=n)
            for location_id, actor_id, hour, n in hours
        ]
    )
    known = set(
        LotteryVariant.objects.filter(merchant=merchant, pk__in={key[3] for key in draws}).values_list(
            "pk", "lottery_id"
        )
    )
    LotteryRollup.objects.bulk_create(
        [
            LotteryRollup(
                **base, location_id=location_id, actor_id=actor_id, lottery_id=lottery, variant_id=variant, draws=n
            )
            for (location_id, actor_id, lottery, variant), n in draws.items()
            if (_uuid(variant), _uuid(lottery)) in known
        ]
    )


# What a ledger line adds to its day's counters, by kind: (counter of lines, counter of the stamps it moved).
_LINE_COUNTERS = {
    EventKind.STAMP: ("visits", "stamps"),
    EventKind.REVERSAL: ("", "stamps_reversed"),
    EventKind.REWARD_ISSUED: ("rewards_reached", ""),
    EventKind.REWARD_HANDED_OVER: ("rewards_handed_over", ""),
    EventKind.LOTTERY_DRAW: ("lottery_draws", ""),
}


def _ledger_count(events: Any, counters: dict[Dims, dict[str, int]]) -> None:
    """Add the day's ledger lines to ``counters``: one aggregate row per (kind, location, staff login)."""
    rows = events.values_list("kind", "location_id", "actor_id").annotate(
        lines=Count("pk"),
        added=Coalesce(Sum("delta", filter=Q(delta__gt=0)), 0),
        taken=Coalesce(Sum("delta", filter=Q(delta__lt=0)), 0),
    )
    for kind, location_id, actor_id, lines, added, taken in rows:
        lines_counter, stamps_counter = _LINE_COUNTERS.get(kind, ("", ""))
        if lines_counter:
            counters[(location_id, actor_id)][lines_counter] += lines
        if stamps_counter:
            counters[(location_id, actor_id)][stamps_counter] += added if kind == EventKind.STAMP else -taken


def _visit_days_insert(*, merchant: Merchant, day: date, stamps: Any) -> None:
    """Write the day's ``VisitDay`` rows, one per (card, location, staff login) with its number of visits, by one
    ``INSERT … SELECT`` over the day's stamps (``first_visit`` is set afterwards)."""
    grouped = stamps.values("card_id", "location_id", "actor_id").annotate(visits=Count("pk"))
    select_sql, select_params = grouped.query.sql_with_params()
    quote = connection.ops.quote_name

    def field(name: str) -> Field:
        found = VisitDay._meta.get_field(name)
        assert isinstance(found, Field)  # noqa: S101 - a concrete column, never a reverse relation
        return found

    columns = ", ".join(quote(str(field(name).column)) for name in _VISIT_DAY_COLUMNS)
    constants = [
        field("created_at").get_db_prep_value(clock.now(), connection),
        field("merchant").get_db_prep_value(merchant.pk, connection),
        field("day").get_db_prep_value(day, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(VisitDay._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model, values as params
            f"SELECT %s, %s, %s, grouped.card_id, grouped.location_id, grouped.actor_id, grouped.visits, 0 "
            f"FROM ({select_sql}) grouped",
            [*constants, *select_params],
        )


_VISIT_DAY_COLUMNS = ("created_at", "merchant", "day", "card", "location", "actor", "visits", "first_visit")


def _first_visits_mark(*, merchant: Merchant, day: date, stamps: Any, start: datetime) -> list[Dims]:
    """Mark the ``VisitDay`` rows holding a card's very first visit ever (the earliest stamp of the day of a card
    with no stamp before the day) and return their (location, staff login), one per first visit. Read from the
    ledger itself, not from earlier rollups, so days can be rebuilt in any order."""
    earlier = CardEvent.objects.filter(card_id=OuterRef("card_id"), kind=EventKind.STAMP, created_at__lt=start)
    firsts: dict[Any, tuple[tuple[datetime, Any], Dims]] = {}
    for card_id, location_id, actor_id, at, pk in (
        stamps.exclude(Exists(earlier)).values_list("card_id", "location_id", "actor_id", "created_at", "pk").iterator()
    ):
        if card_id not in firsts or (at, pk) < firsts[card_id][0]:
            firsts[card_id] = ((at, pk), (location_id, actor_id))
    cards_by_dims: dict[Dims, list[Any]] = defaultdict(list)
    for card_id, (_first, dims) in firsts.items():
        cards_by_dims[dims].append(card_id)
    for (location_id, actor_id), cards in cards_by_dims.items():
        for chunk in range(0, len(cards), 1000):
            VisitDay.objects.filter(
                merchant=merchant,
                day=day,
                location_id=location_id,
                actor_id=actor_id,
                card_id__in=cards[chunk : chunk + 1000],
            ).update(first_visit=1)
    return [dims for _first, dims in firsts.values()]


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _installs(*, merchant: Merchant, start: datetime, end: datetime) -> tuple[int, int]:
    """Cards put into a wallet for the first time in [start, end): Apple by a pass's first device registration,
    Google by an object's first save callback."""
    earlier_apple = AppleRegistration.objects.filter(apple_pass=OuterRef("apple_pass"), created_at__lt=start)
    apple = (
        AppleRegistration.objects.filter(apple_pass__merchant=merchant, created_at__gte=start, created_at__lt=end)
        .exclude(Exists(earlier_apple))
        .values("apple_pass")
        .distinct()
        .count()
    )
    saves = GoogleCallbackEvent.objects.filter(event_type=WalletEventType.SAVE)
    earlier_google = saves.filter(google_object=OuterRef("google_object"), created_at__lt=start)
    google = (
        saves.filter(merchant=merchant, created_at__gte=start, created_at__lt=end)
        .exclude(Exists(earlier_google))
        .values("google_object")
        .distinct()
        .count()
    )
    return apple, google


def progress_rebuild(*, merchant: Merchant) -> None:
    """Replace the merchant's snapshot of how many cards hold how many stamps, per program."""
    rows = Card.objects.filter(merchant=merchant).values_list("program_id", "stamps").annotate(n=Count("pk"))
    ProgressSnapshot.objects.filter(merchant=merchant).delete()
    ProgressSnapshot.objects.bulk_create(
        [
            ProgressSnapshot(merchant=merchant, program_id=program_id, stamps=stamps, cards=n)
            for program_id, stamps, n in rows.order_by()
        ]
    )
