"""Request limits for the customer pages, counted in the database so every web process shares them.

Fixed windows; each request takes one slot from every scope with one conditional UPDATE, so a burst of parallel
requests cannot overshoot a limit. All scopes are taken or none (one transaction).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import F

from stampcard.core import clock
from stampcard.core.errors import LimitReached
from stampcard.join.models import Throttle


@dataclass(frozen=True)
class Scope:
    key: str
    limit: int
    window_seconds: int


def _window(now: datetime, seconds: int) -> tuple[datetime, datetime]:
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return start, start + timedelta(seconds=seconds)


def throttle_take(*, scopes: list[Scope]) -> None:
    """Take one slot from every scope, or none: raises LimitReached (``retry_after`` seconds) when one is used up."""
    now = clock.now()
    with transaction.atomic():
        for scope in scopes:
            start, end = _window(now, scope.window_seconds)
            row = Throttle.objects.filter(scope=scope.key, window_start=start, count__lt=scope.limit)
            if row.update(count=F("count") + 1):
                continue
            Throttle.objects.bulk_create([Throttle(scope=scope.key, window_start=start)], ignore_conflicts=True)
            if not row.update(count=F("count") + 1):
                raise LimitReached(code="too_many_requests", retry_after=max(1, int((end - now).total_seconds())))


def throttles_prune(*, older_than: timedelta = timedelta(days=2)) -> int:
    deleted, _by_model = Throttle.objects.filter(window_start__lt=clock.now() - older_than).delete()
    return deleted
