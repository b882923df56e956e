"""Django's Redis cache, made to forget instead of failing while Redis does not answer.

What stampcard keeps in the cache can be lost: the counts of public page views (``core.pagelimits``), drawn Google
strip images, Google's signing keys. With Django's own ``RedisCache`` a Redis restart turned every customer page
into a 500 (``redis.ConnectionError`` from the page-view count); with this one the cache behaves as empty: reads
miss, writes are dropped, a count starts again at one, so pages keep opening (their flood limit is off meanwhile:
the limits that guard secrets count elsewhere, ``core.throttle``, and fall back to the database). After a failure
this process leaves Redis alone for ``PAUSE_SECONDS`` rather than wait out a timeout on every call.
"""

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0


class _Forgotten(Exception):
    """Redis did not answer (or was paused): the call answers as an empty cache would."""


def _forgiving(empty: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the cache method; while Redis is down, answer ``empty(*args, **kwargs)`` instead."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: "ForgivingRedisCache", *args: Any, **kwargs: Any) -> Any:
            if time.monotonic() < self.paused_until:
                return empty(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except redis.RedisError as exc:
                self.paused_until = time.monotonic() + PAUSE_SECONDS
                log.warning("cache: Redis did not answer (%s); the cache is empty for %ss", exc, PAUSE_SECONDS)
                return empty(*args, **kwargs)

        return call

    return wrap


def _missing(key: Any, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"Key '{key}' not found")  # what incr says of a key the cache does not hold


class ForgivingRedisCache(RedisCache):
    paused_until = 0.0

    @_forgiving(lambda key, default=None, *args, **kwargs: default)
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return super().get(key, default, version)

    @_forgiving(lambda *args, **kwargs: False)
    def add(self, *args: Any, **kwargs: Any) -> bool:
        return super().add(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: None)
    def set(self, *args: Any, **kwargs: Any) -> None:
        super().set(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: False)
    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return super().touch(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: False)
    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return super().delete(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: {})
    def get_many(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return super().get_many(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: False)
    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return super().has_key(*args, **kwargs)

    @_forgiving(_missing)
    def incr(self, *args: Any, **kwargs: Any) -> int:
        return super().incr(*args, **kwargs)

    @_forgiving(lambda data, *args, **kwargs: list(data))
    def set_many(self, *args: Any, **kwargs: Any) -> list[Any]:
        return super().set_many(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: None)
    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        super().delete_many(*args, **kwargs)

    @_forgiving(lambda *args, **kwargs: False)
    def clear(self) -> bool:
        return bool(super().clear())  # the stub says None; Redis answers whether it flushed
