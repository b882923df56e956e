"""Background work for Apple Wallet (the tasks database worker: ``stampcard worker``)."""

import logging

from django_tasks import task, task_backends

from stampcard.apple_wallet import credentials, push

logger = logging.getLogger(__name__)


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
        logger.warning("giving up on %d APNs pushes after %d attempts", len(tokens), attempt - 1)
        return
    if not task_backends[apple_tokens_push_retry.backend].supports_defer:
        logger.warning("the tasks backend cannot run tasks later; %d APNs pushes are not retried", len(tokens))
        return
    apple_tokens_push_retry.using(run_after=push.retry_at(attempt)).enqueue(
        tokens=[[topic, token] for topic, token in tokens], attempt=attempt
    )
