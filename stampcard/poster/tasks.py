"""Background work for Poster (the tasks database worker: ``stampcard worker``)."""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django_tasks import task, task_backends

from stampcard.core import clock
from stampcard.poster import deliveries

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min … capped at an hour."""
    base = min(settings.POSTER_WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempt - 1), 3600)
    return timedelta(seconds=base * (1 + random.random() / 4))  # noqa: S311 - jitter, not a secret


@task()
def poster_delivery_process(delivery_id: int, attempt: int = 1, lease: str = "") -> str:
    """Process one stored webhook delivery; when Poster is unreachable, try again later (bounded by the delivery's
    attempts). ``lease`` (in the arguments, so a run re-queued after its worker died keeps it) lets this run take the
    delivery back at once; ``attempt`` is informational (old queued tasks carry it)."""
    report = deliveries.delivery_process(delivery_id=delivery_id, lease=lease)
    if report.retry:
        if report.attempts >= settings.POSTER_WEBHOOK_MAX_ATTEMPTS:
            deliveries.delivery_give_up(delivery_id=delivery_id, attempts=report.attempts)
        elif not task_backends[poster_delivery_process.backend].supports_defer:
            logger.warning("tasks cannot run later here; poster delivery %s waits for the sweep", delivery_id)
        else:
            run_after = clock.now() + retry_delay(report.attempts)
            retry_lease = deliveries.lease_new()
            # Reserved for the retry until a lease's length after it is due; past that the sweep takes it over.
            deliveries.delivery_lease_hand_over(
                delivery_id=delivery_id,
                lease=retry_lease,
                until=run_after + timedelta(seconds=settings.POSTER_DELIVERY_LEASE_SECONDS),
            )
            poster_delivery_process.using(run_after=run_after).enqueue(
                delivery_id=delivery_id, attempt=report.attempts + 1, lease=retry_lease
            )
    return str(report.outcome)


@task()
def poster_deliveries_resume() -> int:
    """Periodic: queue every unprocessed delivery that nobody holds (its task was lost before it ran, or the worker
    running it died and its lease ran out, or its scheduled retry never came). Safe to run any time: a delivery is
    leased while processed, and processing is idempotent."""
    stalled = deliveries.deliveries_stalled(older_than=timedelta(minutes=10))
    for delivery_id in stalled:
        poster_delivery_process.enqueue(delivery_id=delivery_id, lease=deliveries.lease_new())
    return len(stalled)
