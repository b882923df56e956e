"""Background work for Apple Wallet (the tasks database worker: ``stampcard worker``)."""

import logging

from django_tasks import task, task_backends

from stampcard.core.metrics import WALLET_PUSH_FAILURES
from stampcard.wallet.apple import credentials, push
from stampcard.wallet.apple.models import AppleRegistration

logger = logging.getLogger(__name__)

# Batches per task: one task pushes each token once across all its cards, so a design change of thousands of cards
# wakes a phone holding several of them once; past this many cards the work is split over several tasks.
BATCHES_PER_TASK = 20


def changes_enqueue(*, card_ids: list[int]) -> int:
    """Queue pushes for those of these changed cards that have a device registered; returns how many cards.

    The wallet change feed calls it, at least once per change: a pass is pushed only while it is behind its card's
    ``changed_at``, so a card handed over again costs a query, not a push. The existence check per batch keeps a
    change of a card no device holds (only Google does) from writing a task row.
    """
    batch = credentials.conf()["PUSH_BATCH_SIZE"]
    held = [
        card_id
        for chunk in push.chunks(sorted(set(card_ids)), batch)
        if AppleRegistration.objects.filter(apple_pass__card_id__in=chunk).exists()
        for card_id in chunk
    ]
    for task_ids in push.chunks(held, batch * BATCHES_PER_TASK):
        apple_passes_notify.enqueue(card_ids=task_ids)
    return len(held)


@task()
def apple_passes_notify(card_ids: list[int]) -> dict[str, int]:
    """Push the devices holding passes of these cards (after their change committed); retry refusals later."""
    report = push.passes_notify(card_ids=card_ids)
    _schedule_retry(report.retry, attempt=1)
    return report.as_dict()


@task()
def apple_tokens_push_retry(tokens: list[list[str]], attempt: int) -> dict[str, int]:
    """Push again to tokens APNs refused for now (429, 5xx, no answer): ``[[pass type id, push token], ...]``."""
    report = push.tokens_push(tokens=[(topic, token) for topic, token in tokens])
    _schedule_retry(report.retry, attempt=attempt + 1)
    return report.as_dict()


def _schedule_retry(tokens: list[tuple[str, str]], *, attempt: int) -> None:
    if not tokens:
        return
    if attempt > credentials.conf()["APNS_MAX_ATTEMPTS"]:
        WALLET_PUSH_FAILURES.labels(wallet="apple", reason="gave_up").inc(len(tokens))
        logger.warning("giving up on %d APNs pushes after %d attempts", len(tokens), attempt - 1)
        return
    if not task_backends[apple_tokens_push_retry.backend].supports_defer:
        logger.warning("the tasks backend cannot run tasks later; %d APNs pushes are not retried", len(tokens))
        return
    apple_tokens_push_retry.using(run_after=push.retry_at(attempt)).enqueue(
        tokens=[[topic, token] for topic, token in tokens], attempt=attempt
    )
