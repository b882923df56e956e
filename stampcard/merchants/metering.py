"""Card-operation metering per calendar month in the merchant's time zone.

A card operation is one stamp event or one voucher issue/redeem. The counter moves with a conditional UPDATE inside
the caller's transaction: it is exact under concurrency (PostgreSQL re-checks the condition after waiting for a
concurrent writer) and, when the cap would be passed, raises before anything is committed, so the operation that
hit the cap leaves nothing half-written.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import F

from stampcard.core import clock
from stampcard.merchants.errors import PlanLimitReached
from stampcard.merchants.models import Merchant, Subscription, UsageCounter
from stampcard.merchants.plans import limits_for


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
    counter = UsageCounter.objects.filter(merchant=merchant, period=period)
    guarded = counter if limit is None else counter.filter(operations__lte=limit - operations)
    if guarded.update(operations=F("operations") + operations):
        return
    # First operation of the month (no row yet), or the cap is reached. ignore_conflicts makes the insert safe when
    # two first operations race; the UPDATE after it then sees the row either way.
    UsageCounter.objects.bulk_create([UsageCounter(merchant=merchant, period=period)], ignore_conflicts=True)
    if guarded.update(operations=F("operations") + operations):
        return
    used = counter.values_list("operations", flat=True).first() or 0
    raise PlanLimitReached(limit=limit, used=used, period=period.isoformat(),
                           resets_at=_next_period_start(merchant=merchant, period=period).isoformat())


def usage_get(*, merchant: Merchant) -> Usage:
    period = current_period(merchant=merchant)
    operations = (
        UsageCounter.objects.filter(merchant=merchant, period=period).values_list("operations", flat=True).first()
    )
    limit = limits_for(Subscription.objects.get(merchant=merchant)).monthly_operations  # fresh: plans change
    return Usage(period_start=period, resets_at=_next_period_start(merchant=merchant, period=period),
                 operations=operations or 0, limit=limit)
