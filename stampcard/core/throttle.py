"""Fixed-window limits shared by every process: the one mechanism behind every rate limit of the project.

Each request takes a slot from every limit that applies, all of them or none, and a burst of parallel requests
cannot overshoot. Where the counters live:

- with ``REDIS_URL`` set, in Redis (``stampcard.core.throttle_redis``): one Lua script per call, one round trip,
  no write on the primary;
- otherwise in the database (``core_throttle``): one statement that moves every limit's row or none (PostgreSQL
  locks the rows in id order and re-checks each limit after waiting for a concurrent take); a window's first
  request makes the missing rows in a transaction of its own.

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
from django.db.models import F, Q
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
    # The usual request: every window's row exists and has room, and one statement takes a slot from all of them
    # (its SQL written once per number of limits, not compiled per request: a lookup takes and gives back on every
    # answer). It moves the rows only when it found room in every one, so it needs no transaction to undo a part.
    if _take_all(taken, [limit.limit for limit in limits]):
        return taken
    # A window's first request, or a limit used up: nothing was taken; row by row, all or none. Every row is made
    # (ignore_conflicts: two first requests may race) and locked in one order (by id, as the single statement above
    # locks them) before any is moved, so two requests naming the same limits in different orders queue instead of
    # deadlocking.
    with transaction.atomic():
        rows = sorted({(slot.key, slot.window_start) for slot in taken})
        Throttle.objects.bulk_create(
            [Throttle(scope=key, window_start=start) for key, start in rows], ignore_conflicts=True
        )
        windows = Q()
        for key, start in rows:
            windows |= Q(scope=key, window_start=start)
        list(Throttle.objects.select_for_update().filter(windows).order_by((F("pk") + 0).asc()).values("pk"))
        for limit, slot in zip(limits, taken, strict=True):
            row = Throttle.objects.filter(scope=limit.key, window_start=slot.window_start, count__lt=limit.limit)
            if not row.update(count=F("count") + 1):
                raise ThrottleExceeded(limit, retry_after=_retry_after(limit, slot.window_start, now))
    return taken


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
        _database_give_back(in_database)


def _database_give_back(taken: list[Taken]) -> None:
    using = router.db_for_write(Throttle)
    with connections[using].cursor() as cursor:
        cursor.execute(_give_back_sql(using, len(taken)), _slot_params(using, taken, [0] * len(taken)))


def _take_all(slots: list[Taken], limits: list[int]) -> bool:
    """Take one slot from every slot's row in one statement, or from none: True when every row had room."""
    using = router.db_for_write(Throttle)
    with connections[using].cursor() as cursor:
        params = _slot_params(using, slots, limits)
        if connections[using].vendor != "postgresql":
            params += params  # the conditions twice: the rows to move, and the rows counted
        cursor.execute(_take_all_sql(using, len(slots)), [*params, len(slots)])
        return bool(cursor.rowcount == len(slots))


def _slot_params(using: str, slots: list[Taken], bounds: list[int]) -> list[Any]:
    adapt = connections[using].ops.adapt_datetimefield_value
    params: list[Any] = []
    for slot, bound in zip(slots, bounds, strict=True):
        params += [slot.key, adapt(slot.window_start), bound]
    return params


def _slots_where(using: str, slots: int, bound: str) -> str:
    q = connections[using].ops.quote_name
    one = f"({q('scope')} = %s AND {q('window_start')} = %s AND {q('count')} {bound} %s)"
    return " OR ".join([one] * slots)


@functools.lru_cache(maxsize=32)
def _take_all_sql(using: str, slots: int) -> str:
    """Each slot's row moved by one, only when all of them have room.

    On PostgreSQL the rows with room are locked first (in id order, so two takes of the same rows cannot deadlock; by
    an expression, sorted after the rows are found through the (scope, window_start) index, so that the planner does
    not walk the whole primary key for its order),
    and a row a concurrent take just moved is re-checked against its limit before it counts as having room. A count
    in the UPDATE's own WHERE would not do there: it is read once from the statement's snapshot, so a row filled
    meanwhile would be skipped and the others moved. SQLite has one writer at a time, and its driver reports no row
    count for a statement that starts with WITH: the plain form."""
    connection = connections[using]
    q = connection.ops.quote_name
    table, count, pk = q(Throttle._meta.db_table), q("count"), q(str(Throttle._meta.pk.column))
    where = _slots_where(using, slots, "<")
    if connection.vendor == "postgresql":
        return (
            f"WITH room AS (SELECT {pk} FROM {table} WHERE {where} ORDER BY {pk} + 0 FOR UPDATE)"
            f" UPDATE {table} SET {count} = {count} + 1"
            # = ANY(ARRAY(...)): the rows are then found by their ids through the primary key, not by a join
            f" WHERE {pk} = ANY(ARRAY(SELECT {pk} FROM room)) AND (SELECT COUNT(*) FROM room) = %s"
        )
    return (
        f"UPDATE {table} SET {count} = {count} + 1"
        f" WHERE ({where}) AND (SELECT COUNT(*) FROM {table} WHERE {where}) = %s"
    )


@functools.lru_cache(maxsize=32)
def _give_back_sql(using: str, slots: int) -> str:
    q = connections[using].ops.quote_name
    table, count = q(Throttle._meta.db_table), q("count")
    return f"UPDATE {table} SET {count} = {count} - 1 WHERE {_slots_where(using, slots, '>')}"


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
