"""The counters of ``stampcard.core.throttle`` kept in Redis (when ``REDIS_URL`` is set): no write on the primary.

A counter is one key per scope and fixed window, ``stampcard:throttle:<scope>:<window start>``, expiring a minute
after its window ends (nothing to prune). Taking runs one Lua script, which Redis runs alone and at once, so a call
is one round trip and exact whatever the number of processes: it checks every limit's counter and increments them
all, or increments none and names the first one used up. Giving back decrements, never below zero.

When Redis does not answer (``RedisError``: refused, timed out), ``throttle`` counts in the database for the next
``PAUSE_SECONDS`` of this process instead of asking Redis on every request (``paused`` / ``pause``).
"""

import functools
import time
from datetime import datetime

import redis
from django.conf import settings

PREFIX = "stampcard:throttle:"
# A Redis that does not answer within this is treated as down: the request goes on with the database's counters.
TIMEOUT_SECONDS = 0.25
PAUSE_SECONDS = 5.0
EXPIRE_AFTER_WINDOW_SECONDS = 60

# KEYS: one counter per limit; ARGV: limit 1, expiry 1, limit 2, expiry 2, ... Returns 0 when every counter took a
# slot, else the (1-based) position of the first limit used up, having taken nothing.
_TAKE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    return i
  end
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, ARGV[2 * i])
  end
end
return 0
"""

_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then
    redis.call('DECR', key)
  end
end
return 0
"""

_paused_until = 0.0


def counter_key(scope: str, window_start: datetime) -> str:
    return f"{PREFIX}{scope}:{int(window_start.timestamp())}"


@functools.lru_cache(maxsize=4)
def _scripts(url: str) -> tuple["redis.commands.core.Script", "redis.commands.core.Script"]:
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
    return client.register_script(_TAKE), client.register_script(_GIVE_BACK)


def counters_take(*, keys: list[str], limits: list[int], window_seconds: list[int]) -> int | None:
    """Take a slot from every counter, or none: None when taken, else the index of the first limit used up.
    Raises ``redis.RedisError`` when Redis does not answer."""
    take, _give_back = _scripts(settings.REDIS_URL)
    args: list[int] = []
    for limit, seconds in zip(limits, window_seconds, strict=True):
        args += [limit, seconds + EXPIRE_AFTER_WINDOW_SECONDS]
    refused = int(take(keys=keys, args=args))
    return refused - 1 if refused else None


def counters_give_back(*, keys: list[str]) -> None:
    """Give a slot back to every counter (none goes below zero). Raises ``redis.RedisError``."""
    _take, give_back = _scripts(settings.REDIS_URL)
    give_back(keys=keys, args=[])


def paused() -> bool:
    """Whether Redis failed in this process less than ``PAUSE_SECONDS`` ago."""
    return time.monotonic() < _paused_until


def pause() -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_SECONDS
