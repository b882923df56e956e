"""Work that runs on a schedule: the ``stampcard beat`` process enqueues it for the task worker.

django-tasks has a worker but no scheduler, so this small one enqueues each periodic task when its interval has
passed. Every periodic task is idempotent (it settles whatever is due at the moment it runs), so two beats running
by mistake, or a beat restarted early, cost a little work and nothing else.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Periodic:
    task: str  # dotted path of a django-tasks task
    every: timedelta


SCHEDULE = [
    # Vouchers past their expiry become expired (and ones past valid_from active) for lists and wallets; redemption
    # itself checks the clock, so a late run never lets an expired voucher through.
    Periodic("stampcard.vouchers.tasks.vouchers_expire_due", timedelta(minutes=1)),
    # Card changes for the wallets that no after-commit hook handed over (a process died between commit and hook):
    # the passes catch up within a minute or two instead of at the card's next change.
    Periodic("stampcard.wallet.tasks.wallet_changes_sweep", timedelta(minutes=1)),
    # Lottery seeds: publish the commitments of coming days, record the reveals of days that ended.
    Periodic("stampcard.lottery.tasks.lottery_seeds_rotate", timedelta(hours=1)),
    # Spent recovery codes of the customer pages, and rate-limit counters of windows long past.
    Periodic("stampcard.public.tasks.join_prune", timedelta(days=1)),
    Periodic("stampcard.core.throttle.throttles_prune", timedelta(days=1)),
    # Receipt claims nobody collected, long after they expired (their state never depends on this).
    Periodic("stampcard.receipts.tasks.receipt_claims_prune", timedelta(days=1)),
    # Poster webhook deliveries stored but whose processing task was lost (a worker killed mid-way).
    Periodic("stampcard.poster.tasks.poster_deliveries_resume", timedelta(minutes=5)),
    # Cards with unusually many stamps in a day, whatever the channel (scanner anti-abuse alerts).
    Periodic("stampcard.scanner.tasks.scanner_alerts_scan", timedelta(minutes=5)),
    # New alerts emailed to the owners and managers who opted in (each alert once per recipient).
    Periodic("stampcard.scanner.tasks.scanner_alert_emails_send", timedelta(minutes=5)),
    # CSV import jobs whose task was lost or whose worker died: resumed from their last committed batch.
    Periodic("stampcard.cards.tasks.imports_resume", timedelta(minutes=1)),
    # Outbound webhooks: deliveries for the ledger lines since the last run, then whatever is due (new, retries).
    Periodic("stampcard.campaigns.webhooks.tasks.webhooks_feed_run", timedelta(minutes=1)),
    Periodic("stampcard.campaigns.webhooks.tasks.webhooks_prune", timedelta(days=1)),
    # Messages being sent whose round stopped (a worker killed mid-batch, a lost task) or whose retries came due.
    Periodic("stampcard.campaigns.messages.tasks.messages_resume", timedelta(minutes=1)),
    # Campaigns: scheduled ones whose time came are started (each once, whatever the number of workers), and ones
    # whose preparing worker died are resumed.
    Periodic("stampcard.campaigns.campaigns.tasks.campaigns_run_due", timedelta(minutes=1)),
    # Automations (birthday, win-back, reward ready...): what is due in each merchant's daytime, and stamps lapsing.
    Periodic("stampcard.campaigns.automations.tasks.automations_run", timedelta(minutes=5)),
    # Analytics rollups: the days touched since the last run, rebuilt from the ledger (the panel reads only these).
    Periodic("stampcard.analytics.tasks.analytics_rollups_refresh", timedelta(minutes=5)),
    # A ledger partitioned by month (``ledger_partition``) gets its coming months' partitions well ahead.
    Periodic("stampcard.cards.tasks.ledger_partitions_ensure", timedelta(hours=6)),
    # Plan downgrades scheduled for the end of a paid period.
    Periodic("stampcard.merchants.tasks.plan_changes_apply_due", timedelta(hours=1)),
]


def enqueue_due(
    *,
    now: datetime,
    last_enqueued: dict[str, datetime],
    schedule: list[Periodic] | None = None,
    enqueue: Callable[[str], object] | None = None,
) -> list[str]:
    """Enqueue every task whose interval has passed since it was last enqueued; returns their paths."""
    due = []
    for item in SCHEDULE if schedule is None else schedule:
        last = last_enqueued.get(item.task)
        if last is None or now - last >= item.every:
            (enqueue or _enqueue)(item.task)
            last_enqueued[item.task] = now
            due.append(item.task)
    return due


def _enqueue(path: str) -> object:
    return import_string(path).enqueue()
