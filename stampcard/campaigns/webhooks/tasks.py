"""Background work of outbound webhooks: the feed and the sender (``stampcard worker``)."""

import logging

from django_tasks import task

from stampcard.campaigns.webhooks import feed, retention, sender

logger = logging.getLogger(__name__)


@task()
def webhooks_feed_run() -> dict[str, int]:
    """Periodic: make the deliveries of the ledger lines (and new cards) since the last run, then send what is due."""
    made = feed.feed_run()
    sent = sender.deliveries_send_due()
    return {**made.as_dict(), **sent.as_dict()}


@task()
def webhooks_send_due() -> dict[str, int]:
    """Send the deliveries that are due (retries, replays, test events). Periodic, and queued after a replay."""
    return sender.deliveries_send_due().as_dict()


@task()
def webhooks_prune() -> int:
    """Daily: forget delivered and failed deliveries older than 30 days."""
    return retention.deliveries_prune()


def webhooks_send_soon() -> None:
    """Queue a sending round now (after the commit of a replay or a test event); the periodic round catches up if
    the queue is unavailable."""
    try:
        webhooks_send_due.enqueue()
    except Exception:
        logger.exception("could not queue a webhook sending round; the periodic one will send")
