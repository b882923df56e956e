"""Card-operation metering per calendar month in the merchant's time zone.

A card operation is one stamp event or one voucher issue/redeem. The counter moves with a conditional UPDATE inside
the caller's transaction: it is exact under concurrency (PostgreSQL re-checks the condition after waiting for a
concurrent writer) and, when the cap would be passed, raises before anything is committed, so the operation that
hit the cap leaves nothing half-written.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connections, router, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from stampcard.core import clock
from stampcard.merchants.errors import PlanLimitReached
from stampcard.merchants.models import Merchant, Subscription, UsageCounter
from stampcard.merchants.plans import limits_for

# Rows an uncapped plan spreads its monthly count over (see UsageCounter).
UNCAPPED_SLOTS = 16


@dataclass(frozen=True)
class Usage:
    period_start: date
    resets_at: datetime
    operations: int
    limit: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.operations, 0)


def current_period(*, merchant: Merchant, now: datetime | None = None) -> date:
    local = (now or clock.now()).astimezone(merchant.tz)
    return local.date().replace(day=1)


def _next_period_start(*, merchant: Merchant, period: date) -> datetime:
    first = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return datetime.combine(first, time.min, tzinfo=merchant.tz)


def usage_record(*, merchant: Merchant, operations: int = 1, limit: int | None = None) -> None:
    """Count ``operations`` for this month or raise PlanLimitReached. Must run inside the operation's transaction.

    ``limit`` defaults to the merchant's plan, read from ``merchant.subscription`` (loaded with the API key).
    """
    if operations <= 0:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("usage_record must run inside the transaction of the operation it meters")
    if limit is None:
        limit = limits_for(merchant.subscription).monthly_operations
    period = current_period(merchant=merchant)
    if limit is None:
        _add_uncapped(merchant=merchant, period=period, slot=random.randrange(UNCAPPED_SLOTS), operations=operations)
        return
    month = UsageCounter.objects.filter(merchant=merchant, period=period)
    # Slots above 0 only hold counts from a time this month when the plan was uncapped (before a downgrade): they
    # no longer move, so reading them without a lock is exact.
    earlier = month.filter(slot__gt=0).aggregate(total=Coalesce(Sum("operations"), 0))["total"]
    if _add(merchant=merchant, period=period, slot=0, operations=operations, at_most=limit - earlier):
        return
    used = earlier + (month.filter(slot=0).values_list("operations", flat=True).first() or 0)
    raise PlanLimitReached(
        limit=limit,
        used=used,
        period=period.isoformat(),
        resets_at=_next_period_start(merchant=merchant, period=period).isoformat(),
    )


def _add(*, merchant: Merchant, period: date, slot: int, operations: int, at_most: int | None = None) -> bool:
    """Add to one slot's row unless that would take it above ``at_most``; False when refused.

    The conditional UPDATE is exact under concurrency: PostgreSQL re-checks the condition after waiting for a
    concurrent writer of the row.
    """
    row = UsageCounter.objects.filter(merchant=merchant, period=period, slot=slot)
    guarded = row if at_most is None else row.filter(operations__lte=at_most - operations)
    if guarded.update(operations=F("operations") + operations):
        return True
    # First operation of the month in this slot (no row yet), or the guard refused. ignore_conflicts makes the insert
    # safe when two first operations race; the UPDATE after it then sees the row either way.
    UsageCounter.objects.bulk_create([UsageCounter(merchant=merchant, period=period, slot=slot)], ignore_conflicts=True)
    return bool(guarded.update(operations=F("operations") + operations))


def _add_uncapped(*, merchant: Merchant, period: date, slot: int, operations: int) -> None:
    """Add to one slot's row, creating it with the first operation of the month there: one upsert, exact under
    concurrency (a racing first insert turns into the update)."""
    connection = connections[router.db_for_write(UsageCounter)]
    quote, meta = connection.ops.quote_name, UsageCounter._meta
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('merchant_id')}, {quote('period')}, {quote('slot')}, {quote('operations')})"
            f" VALUES (%s, %s, %s, %s) ON CONFLICT ({quote('merchant_id')}, {quote('period')}, {quote('slot')})"
            f" DO UPDATE SET {quote('operations')} = {table}.{quote('operations')} + EXCLUDED.{quote('operations')}",
            (
                meta.get_field("merchant").get_db_prep_value(merchant.pk, connection),
                connection.ops.adapt_datefield_value(period),
                slot,
                operations,
            ),
        )


def usage_refusal(*, merchant: Merchant, operations: int = 1) -> PlanLimitReached | None:
    """The refusal that recording ``operations`` now would meet, or None. For previews: it locks and writes nothing."""
    limit = limits_for(merchant.subscription).monthly_operations
    if operations <= 0 or limit is None:
        return None
    period = current_period(merchant=merchant)
    used = _operations(merchant=merchant, period=period)
    if used + operations <= limit:
        return None
    return PlanLimitReached(
        limit=limit,
        used=used,
        period=period.isoformat(),
        resets_at=_next_period_start(merchant=merchant, period=period).isoformat(),
    )


def _operations(*, merchant: Merchant, period: date) -> int:
    total: int = UsageCounter.objects.filter(merchant=merchant, period=period).aggregate(
        total=Coalesce(Sum("operations"), 0)
    )["total"]
    return total


def usage_get(*, merchant: Merchant) -> Usage:
    period = current_period(merchant=merchant)
    operations = _operations(merchant=merchant, period=period)
    limit = limits_for(Subscription.objects.get(merchant=merchant)).monthly_operations  # fresh: plans change
    return Usage(
        period_start=period,
        resets_at=_next_period_start(merchant=merchant, period=period),
        operations=operations,
        limit=limit,
    )
