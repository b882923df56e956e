"""The one source of "now" for domain code, so tests can pin time without patching datetime everywhere."""

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None
# The pins in force, oldest first, each under its own ticket. Threads may pin at once (a test's concurrent workers
# each inside ``frozen_at``) and leave in any order: each takes out its own pin, so the last one out leaves the
# clock as it found it. Restoring "the value before me" would put back a pin another thread had already lifted.
_pins: list[tuple[int, datetime]] = []
_tickets = itertools.count()
_pins_lock = threading.Lock()


def now() -> datetime:
    return _frozen if _frozen is not None else timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Pin ``now()`` for the duration of the block (tests and replays only)."""
    global _frozen
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    with _pins_lock:
        ticket = next(_tickets)
        _pins.append((ticket, moment))
        _frozen = moment
    try:
        yield
    finally:
        with _pins_lock:
            _pins[:] = [pin for pin in _pins if pin[0] != ticket]
            _frozen = _pins[-1][1] if _pins else None
