"""Fixed-window limits shared by every process: the one mechanism behind every rate limit of the project.

Each request takes a slot from every limit that applies, all of them or none, and a burst of parallel requests
cannot overshoot. Where the counters live:

- with ``REDIS_URL`` set, in Redis (``stampcard.core.throttle_redis``): one Lua script per call, one round trip,
  no write on the primary;
- otherwise in the database (``core_throttle``): one conditional UPDATE per limit (PostgreSQL re-checks the
  condition after waiting for a concurrent writer), in its own transaction, rolled back when one limit is used up.

When Redis does not answer, the limits neither open nor close: the call counts in the database instead, as without
Redis, and so does this process for the next few seconds (``throttle_redis.PAUSE_SECONDS``). These limits guard
secrets (codes, passwords, card numbers), so failing open would hand an attacker who can upset Redis unlimited
guesses; failing closed would stop every till's card lookup (it takes and gives back a slot on each call) for as
long as Redis is down. The price of the fallback: counts restart in the other store, so a window that spans the
switch may let through up to its limit once in each. Slots taken in Redis and given back while it is down stay
taken until their window ends: stricter, never looser.
"""

import functools
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import F
from django_tasks import task

from stampcard.core import clock, throttle_redis
from stampcard.core.models import Throttle

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    key: str  # the scope counted, e.g. "card:42"
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Taken:
    key: str
    window_start: datetime
    in_redis: bool = False  # where the slot was counted, so that it is given back there


class ThrottleExceeded(Exception):
    """A limit is used up for its current window; ``retry_after`` is the whole seconds until the next one."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        self.limit, self.retry_after = limit, retry_after
        super().__init__(f"{limit.key}: {limit.limit} per {limit.window_seconds} s used up")


def _window(now: datetime, seconds: int) -> tuple[datetime, datetime]:
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def _retry_after(limit: Limit, window_start: datetime, now: datetime) -> int:
    end = window_start + timedelta(seconds=limit.window_seconds)
    return max(1, math.ceil((end - now).total_seconds()))


def throttle_take(*, limits: list[Limit]) -> list[Taken]:
    """Take one slot from every limit, or none; raises ThrottleExceeded naming the first limit used up. Call it outside
    any atomic block: Redis counts at once, the database in a transaction of its own (inside a caller's, its count
    would roll back with it)."""
    now = clock.now()
    slots = [(limit, _window(now, limit.window_seconds)[0]) for limit in limits]
    if not limits:
        return []
    if settings.REDIS_URL and not throttle_redis.paused():
        try:
            refused = throttle_redis.counters_take(
                keys=[throttle_redis.counter_key(limit.key, start) for limit, start in slots],
                limits=[limit.limit for limit in limits],
                window_seconds=[limit.window_seconds for limit in limits],
            )
        except redis.RedisError:
            _redis_failed("take")
        else:
            if refused is not None:
                limit, start = slots[refused]
                raise ThrottleExceeded(limit, retry_after=_retry_after(limit, start, now))
            return [Taken(key=limit.key, window_start=start, in_redis=True) for limit, start in slots]
    return _database_take(limits, [Taken(key=limit.key, window_start=start) for limit, start in slots], now)


def _redis_failed(doing: str) -> None:
    throttle_redis.pause()
    logger.warning(
        "Redis did not answer (%s): rate limits count in the database for %s s",
        doing,
        throttle_redis.PAUSE_SECONDS,
        exc_info=True,
    )


def _database_take(limits: list[Limit], taken: list[Taken], now: datetime) -> list[Taken]:
    # The usual request: every window's row exists and has room, and one UPDATE takes a slot from all of them (its
    # SQL written once per number of limits, not compiled per request: a lookup takes and gives back on every answer).
    try:
        with transaction.atomic():
            if _move(taken, +1, [limit.limit for limit in limits]) == len(limits):
                return taken
            raise _Incomplete()  # a window's first request, or a limit used up: the slots just taken roll back
    except _Incomplete:
        pass
    with transaction.atomic():
        for limit, slot in zip(limits, taken, strict=True):
            row = Throttle.objects.filter(scope=limit.key, window_start=slot.window_start, count__lt=limit.limit)
            if not row.update(count=F("count") + 1):
                # First request of the window (no row yet), or the limit is used up. ignore_conflicts makes the insert
                # safe when two first requests race; the UPDATE after it then sees the row either way.
                Throttle.objects.bulk_create(
                    [Throttle(scope=limit.key, window_start=slot.window_start)], ignore_conflicts=True
                )
                if not row.update(count=F("count") + 1):
                    raise ThrottleExceeded(limit, retry_after=_retry_after(limit, slot.window_start, now))
    return taken


class _Incomplete(Exception):
    pass


def throttle_give_back(*, taken: list[Taken]) -> None:
    """Return slots taken by ``throttle_take`` (the request turned out not to count, e.g. a code that was right),
    to where they were counted. One statement or one script, atomic on its own."""
    in_redis = [slot for slot in taken if slot.in_redis]
    in_database = [slot for slot in taken if not slot.in_redis]
    if in_redis:
        try:
            throttle_redis.counters_give_back(
                keys=[throttle_redis.counter_key(slot.key, slot.window_start) for slot in in_redis]
            )
        except redis.RedisError:
            _redis_failed("give back")  # the slots stay taken until their window ends
    if in_database:
        _move(in_database, -1, None)


def _move(slots: list[Taken], step: int, limits: list[int] | None) -> int:
    """Move the count of every slot's row by ``step`` in one UPDATE, each row within its bound (below its limit when
    taking, above zero when giving back); returns the number of rows moved."""
    using = router.db_for_write(Throttle)
    connection = connections[using]
    params: list[Any] = [step]
    for index, slot in enumerate(slots):
        params += [slot.key, connection.ops.adapt_datetimefield_value(slot.window_start)]
        params.append(limits[index] if limits is not None else 0)
    with connection.cursor() as cursor:
        cursor.execute(_move_sql(using, len(slots), limits is not None), params)
        moved: int = cursor.rowcount
    return moved


@functools.lru_cache(maxsize=32)
def _move_sql(using: str, slots: int, taking: bool) -> str:
    q = connections[using].ops.quote_name
    table, count = q(Throttle._meta.db_table), q("count")
    bound = f"{count} < %s" if taking else f"{count} > %s"
    one = f"({q('scope')} = %s AND {q('window_start')} = %s AND {bound})"
    return f"UPDATE {table} SET {count} = {count} + %s WHERE {' OR '.join([one] * slots)}"


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
