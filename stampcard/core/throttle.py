"""Fixed-window limits counted in the database: the one mechanism behind every rate limit of the project.

Each request takes a slot from every limit that applies with one conditional UPDATE per limit, so a burst of
parallel requests cannot overshoot (PostgreSQL re-checks the condition after waiting for a concurrent writer). All
slots are taken or none: the taking runs in its own transaction, rolled back when one limit is used up.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django_tasks import task

from stampcard.core import clock
from stampcard.core.models import Throttle


@dataclass(frozen=True)
class Limit:
    key: str  # the scope counted, e.g. "card:42"
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Taken:
    key: str
    window_start: datetime


class ThrottleExceeded(Exception):
    """A limit is used up for its current window; ``retry_after`` is the whole seconds until the next one."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        self.limit, self.retry_after = limit, retry_after
        super().__init__(f"{limit.key}: {limit.limit} per {limit.window_seconds} s used up")


def _window(now: datetime, seconds: int) -> tuple[datetime, datetime]:
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def throttle_take(*, limits: list[Limit]) -> list[Taken]:
    """Take one slot from every limit, or none; raises ThrottleExceeded naming the first limit used up."""
    now = clock.now()
    taken = []
    with transaction.atomic():
        for limit in limits:
            start, end = _window(now, limit.window_seconds)
            row = Throttle.objects.filter(scope=limit.key, window_start=start, count__lt=limit.limit)
            if not row.update(count=F("count") + 1):
                # First request of the window (no row yet), or the limit is used up. ignore_conflicts makes the insert
                # safe when two first requests race; the UPDATE after it then sees the row either way.
                Throttle.objects.bulk_create([Throttle(scope=limit.key, window_start=start)], ignore_conflicts=True)
                if not row.update(count=F("count") + 1):
                    raise ThrottleExceeded(limit, retry_after=max(1, math.ceil((end - now).total_seconds())))
            taken.append(Taken(key=limit.key, window_start=start))
    return taken


def throttle_give_back(*, taken: list[Taken]) -> None:
    """Return slots taken by ``throttle_take`` (the request turned out not to count, e.g. a code that was right)."""
    with transaction.atomic():
        for slot in taken:
            Throttle.objects.filter(scope=slot.key, window_start=slot.window_start, count__gt=0).update(
                count=F("count") - 1
            )


def throttle_take_cached(*, limit: Limit) -> None:
    """Take one slot of ``limit`` from a counter in the cache (Redis when REDIS_URL is set, else this process's
    memory), or raise ThrottleExceeded. For limits on reads, which must not write to the database (a page a link
    preview opens changes nothing); the same fixed windows as ``throttle_take``. ``incr`` is atomic in both caches."""
    now = clock.now()
    start, end = _window(now, limit.window_seconds)
    key = f"throttle:{limit.key}:{int(start.timestamp())}"
    cache.add(key, 0, timeout=limit.window_seconds + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: this request starts the count again
        cache.add(key, 1, timeout=limit.window_seconds + 60)
        count = 1
    if count > limit.limit:
        raise ThrottleExceeded(limit, retry_after=max(1, math.ceil((end - now).total_seconds())))


@task()
def throttles_prune(older_than_hours: int = 48) -> int:
    """Delete counters of windows long past (the longest window is a day). Enqueued daily by ``stampcard beat``."""
    deleted, _by_model = Throttle.objects.filter(
        window_start__lt=clock.now() - timedelta(hours=older_than_hours)
    ).delete()
    return deleted
