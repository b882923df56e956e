"""Background work for Google Wallet (the tasks database worker: ``stampcard worker``)."""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django_tasks import task

from stampcard.core import clock
from stampcard.core.metrics import WALLET_PUSH_FAILURES
from stampcard.wallet.google import client, services
from stampcard.wallet.google.client import WalletClient, http_client
from stampcard.wallet.google.models import GoogleObject

logger = logging.getLogger(__name__)


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min ... capped at an hour."""
    base = min(settings.GOOGLE_WALLET_RETRY_BASE_SECONDS * 2 ** (attempt - 1), 3600)
    return timedelta(seconds=base * (1 + random.random() / 4))  # noqa: S311 - jitter, not a secret


@task()
def google_objects_sync(card_ids: list[int], attempt: int = 0) -> dict[str, list[int]]:
    """Patch the Google objects of these cards. Cards that hit a transient failure are tried again later, by a new
    task that runs after a growing delay, up to ``GOOGLE_WALLET_MAX_ATTEMPTS``."""
    with http_client() as http:
        report = services.objects_sync(card_ids=card_ids, client=WalletClient(http=http))
    if report.retry:
        next_attempt = attempt + 1
        if next_attempt >= settings.GOOGLE_WALLET_MAX_ATTEMPTS:
            WALLET_PUSH_FAILURES.labels(wallet="google", reason="gave_up").inc(len(report.retry))
            logger.error("google wallet: giving up on cards %s after %d attempts", report.retry, next_attempt)
        else:
            sync = google_objects_sync
            if sync.get_backend().supports_defer:
                sync = sync.using(run_after=clock.now() + retry_delay(next_attempt))
            sync.enqueue(card_ids=report.retry, attempt=next_attempt)
    return report.as_dict()


def changes_enqueue(*, card_ids: list[int]) -> int:
    """Queue patches for those of these changed cards that have a Google object; returns how many cards.

    The wallet change feed calls it, at least once per change: a payload Google already holds is not sent again, so
    a card handed over again costs a query, not a patch. Without Google configured nothing is queued.
    """
    if not client.is_configured() or not card_ids:
        return 0
    held = sorted(GoogleObject.objects.filter(card_id__in=card_ids).values_list("card_id", flat=True))
    sync_enqueue(card_ids=held)
    return len(held)


def sync_enqueue(*, card_ids: list[int]) -> None:
    batch = settings.GOOGLE_WALLET_SYNC_BATCH_SIZE
    for start in range(0, len(card_ids), batch):
        google_objects_sync.enqueue(card_ids=card_ids[start : start + batch])
