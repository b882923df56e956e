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
def poster_delivery_process(delivery_id: int, attempt: int = 1) -> str:
    """Process one stored webhook delivery; when Poster is unreachable, try again later (bounded)."""
    report = deliveries.delivery_process(delivery_id=delivery_id)
    if report.retry:
        if attempt >= settings.POSTER_WEBHOOK_MAX_ATTEMPTS:
            deliveries.delivery_give_up(delivery_id=delivery_id, attempts=attempt)
        elif not task_backends[poster_delivery_process.backend].supports_defer:
            logger.warning("the tasks backend cannot run tasks later; poster delivery %s is not retried", delivery_id)
        else:
            poster_delivery_process.using(run_after=clock.now() + retry_delay(attempt)).enqueue(
                delivery_id=delivery_id, attempt=attempt + 1
            )
    return str(report.outcome)


@task()
def poster_deliveries_resume() -> int:
    """Periodic: queue the deliveries whose processing never started (an enqueue lost after the delivery was
    stored). Safe to run any time: processing is idempotent."""
    stalled = deliveries.deliveries_stalled(older_than=timedelta(minutes=10))
    for delivery_id in stalled:
        poster_delivery_process.enqueue(delivery_id=delivery_id)
    return len(stalled)
