"""Telling devices that passes changed: which push tokens to wake, once each, and what to do with APNs's answers.

Runs in the background worker, never inside a database transaction (the pushes are network calls). Idempotent: a
pass is pushed for a given ``Card.changed_at`` once (``ApplePass.pushed_changed_at``), so a card the change feed
(``wallet.feed``) hands over again costs a query and no push.
"""

import datetime as dt
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q

from stampcard.core import clock
from stampcard.core.metrics import WALLET_PUSH_FAILURES
from stampcard.wallet.apple import credentials, services
from stampcard.wallet.apple.apns import ApnsClient, PushResult
from stampcard.wallet.apple.models import ApplePass, AppleRegistration

logger = logging.getLogger(__name__)

ClientFactory = Callable[[str], ApnsClient]  # pass type id -> client


@dataclass
class PushReport:
    pushed: int = 0
    forgotten: int = 0
    retry: list[tuple[str, str]] = field(default_factory=list)  # (pass type id, push token)
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"pushed": self.pushed, "forgotten": self.forgotten, "retry": len(self.retry), "failed": self.failed}


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ensure_no_transaction() -> None:
    if connection.in_atomic_block:
        raise RuntimeError("APNs pushes must run outside a database transaction")


def _default_client(topic: str) -> ApnsClient:
    return ApnsClient(topic=topic)


def passes_notify(*, card_ids: list[int], client_factory: ClientFactory = _default_client) -> PushReport:
    """Push every device holding a pass of these cards that changed since its last push, each push token once."""
    _ensure_no_transaction()
    report = PushReport()
    seen: set[tuple[str, str]] = set()
    for chunk in chunks(sorted(set(card_ids)), credentials.conf()["PUSH_BATCH_SIZE"]):
        due = list(
            ApplePass.objects.filter(card_id__in=chunk, card__changed_at__isnull=False, registrations__isnull=False)
            .filter(Q(pushed_changed_at__isnull=True) | Q(pushed_changed_at__lt=F("card__changed_at")))
            .values_list("pk", "pass_type_identifier", "card__changed_at")
            .distinct()
        )
        if not due:
            continue
        tokens_by_topic: dict[str, set[str]] = defaultdict(set)
        registrations = AppleRegistration.objects.filter(apple_pass_id__in=[pk for pk, _, _ in due])
        for topic, token in registrations.values_list("apple_pass__pass_type_identifier", "push_token"):
            if (topic, token) not in seen:
                seen.add((topic, token))
                tokens_by_topic[topic].add(token)
        _push(tokens_by_topic, client_factory, report)
        _mark_pushed(due)
    return report


def tokens_push(*, tokens: list[tuple[str, str]], client_factory: ClientFactory = _default_client) -> PushReport:
    """Push again to tokens that were refused for now (429, 5xx, no answer), if they are still registered."""
    _ensure_no_transaction()
    wanted = set(tokens)
    registered = AppleRegistration.objects.filter(push_token__in={token for _, token in wanted}).values_list(
        "apple_pass__pass_type_identifier", "push_token"
    )
    tokens_by_topic: dict[str, set[str]] = defaultdict(set)
    for topic, token in registered:
        if (topic, token) in wanted:
            tokens_by_topic[topic].add(token)
    report = PushReport()
    _push(tokens_by_topic, client_factory, report)
    return report


def _push(tokens_by_topic: dict[str, set[str]], client_factory: ClientFactory, report: PushReport) -> None:
    for topic, tokens in tokens_by_topic.items():
        with client_factory(topic) as client:
            results = client.push_many(sorted(tokens))
        for result in results:
            _record(topic, result, report)


def _record(topic: str, result: PushResult, report: PushReport) -> None:
    if result.ok:
        report.pushed += 1
    elif result.token_dead:
        report.forgotten += services.push_token_forget(push_token=result.push_token)
    elif result.retry:
        report.retry.append((topic, result.push_token))
    else:
        report.failed += 1
        WALLET_PUSH_FAILURES.labels(wallet="apple", reason="refused").inc()
        logger.warning("APNs refused a push (%s %s); not retried", result.status, result.reason)


def _mark_pushed(due: list[tuple[int, str, dt.datetime | None]]) -> None:
    by_moment: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, _topic, changed_at in due:
        if changed_at is not None:  # filtered out by the query; here for the type
            by_moment[changed_at].append(pk)
    for changed_at, pks in by_moment.items():
        # Never move the mark backwards past a newer push another worker recorded.
        ApplePass.objects.filter(pk__in=pks).filter(
            Q(pushed_changed_at__isnull=True) | Q(pushed_changed_at__lt=changed_at)
        ).update(pushed_changed_at=changed_at)


def retry_delay(attempt: int) -> dt.timedelta:
    """Exponential back-off with jitter: about 30 s, 1 min, 2 min ... capped at an hour."""
    base = min(3600, 30 * 2 ** max(0, attempt - 1))
    return dt.timedelta(seconds=base * random.uniform(0.8, 1.2))  # jitter, not a secret


def retry_at(attempt: int) -> dt.datetime:
    return clock.now() + retry_delay(attempt)
