"""Acting on stored Poster webhook deliveries (``webhooks`` stores them; ``tasks`` runs this module).

Processing is idempotent: a delivery processed once is a no-op, and what it does (a checkout commit, amend or
reversal through ``sync``) replays its first outcome. It is also leased: a run takes the delivery with a conditional
UPDATE that names its lease (the task run's own, kept in the task's arguments), so two workers never act on one
delivery at once, while a task run that was re-queued after its worker died takes back its own lease at once.
Nothing is lost: a delivery whose lease ran out without a result (its worker died, its retry task was lost) is picked
up again by ``deliveries_stalled`` whatever state it was left in.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q

from stampcard.core import clock
from stampcard.poster import client as poster_client
from stampcard.poster import crypto, selectors, services, sync
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterWebhookDelivery

logger = logging.getLogger(__name__)


def lease_new() -> str:
    """A lease for one task run (or one scheduled retry): passed in the task's arguments, so it survives a re-queue."""
    return uuid.uuid4().hex


def delivery_finish(delivery: PosterWebhookDelivery, outcome: DeliveryOutcome, detail: dict[str, Any]) -> None:
    """Record what processing a delivery came to; a processed delivery is never processed again."""
    delivery.outcome, delivery.detail, delivery.processed_at = outcome, detail, clock.now()
    delivery.lease_owner, delivery.lease_until = "", None
    delivery.save(update_fields=["poster_account", "outcome", "detail", "processed_at", "lease_owner", "lease_until"])


@dataclass
class ProcessReport:
    outcome: DeliveryOutcome
    retry: bool = False
    busy: bool = False  # someone else holds the delivery's lease: they finish it or it expires
    attempts: int = 0
    acted: bool = True  # False: this run did nothing (already processed, or busy)


def _lease_take(*, delivery_id: int, lease: str) -> bool:
    """Take the delivery for ``lease`` if it is unprocessed and free, expired or already ours; counts an attempt."""
    now = clock.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now) | Q(lease_owner=lease)
    taken = PosterWebhookDelivery.objects.filter(free, pk=delivery_id, processed_at__isnull=True).update(
        lease_owner=lease,
        lease_until=now + timedelta(seconds=settings.POSTER_DELIVERY_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    return bool(taken)


def delivery_lease_hand_over(*, delivery_id: int, lease: str, until: datetime) -> None:
    """Reserve an unprocessed delivery for a scheduled retry (which carries ``lease``) until ``until``: no sweep
    takes it before then."""
    PosterWebhookDelivery.objects.filter(pk=delivery_id, processed_at__isnull=True).update(
        lease_owner=lease, lease_until=until
    )


def delivery_process(*, delivery_id: int, lease: str = "", client_factory: Any = None) -> ProcessReport:
    """Act on one stored delivery (no-op once processed; ``busy`` while another run holds it). ``lease`` names this
    run (default: a fresh one). ``client_factory(token) -> PosterClient`` is injected by tests; by default a client
    over a fresh httpx client. A transient Poster failure releases the lease and asks for a retry."""
    lease = lease or lease_new()
    if not _lease_take(delivery_id=delivery_id, lease=lease):
        seen = PosterWebhookDelivery.objects.filter(pk=delivery_id).first()
        if seen is None:
            return ProcessReport(outcome=DeliveryOutcome.IGNORED, acted=False)
        return ProcessReport(
            outcome=DeliveryOutcome(seen.outcome), busy=seen.processed_at is None, attempts=seen.attempts, acted=False
        )
    delivery = PosterWebhookDelivery.objects.select_related("poster_account__merchant").get(pk=delivery_id)
    report = _process(delivery, client_factory=client_factory)
    report.attempts = delivery.attempts
    if report.retry:
        PosterWebhookDelivery.objects.filter(pk=delivery_id, processed_at__isnull=True, lease_owner=lease).update(
            lease_owner="", lease_until=None
        )
    return report


def _process(delivery: PosterWebhookDelivery, *, client_factory: Any) -> ProcessReport:
    poster_account = delivery.poster_account or selectors.poster_account_by_login(account=delivery.account)
    delivery.poster_account = poster_account
    if delivery.object != "transaction":
        delivery_finish(delivery, DeliveryOutcome.IGNORED, {})
        return ProcessReport(outcome=DeliveryOutcome.IGNORED)
    if poster_account is None or poster_account.merchant is None or poster_account.status != AccountStatus.CONNECTED:
        delivery_finish(delivery, DeliveryOutcome.ACCOUNT_NOT_CONNECTED, {})
        return ProcessReport(outcome=DeliveryOutcome.ACCOUNT_NOT_CONNECTED)
    try:
        token = services.account_token(poster_account=poster_account)
    except crypto.TokenUnreadable:
        services.account_token_rejected(poster_account=poster_account)
        delivery_finish(delivery, DeliveryOutcome.TOKEN_REJECTED, {"reason": "token_unreadable"})
        return ProcessReport(outcome=DeliveryOutcome.TOKEN_REJECTED)
    http = None
    if client_factory is None:
        http = poster_client.http_client()
        client_factory = lambda token: poster_client.PosterClient(http=http, token=token)  # noqa: E731
    try:
        result = sync.transaction_sync(
            poster_account=poster_account,
            transaction_id=delivery.object_id,
            action=delivery.action,
            client=client_factory(token),
        )
    except poster_client.PosterTokenError as exc:
        services.account_token_rejected(poster_account=poster_account)
        delivery_finish(delivery, DeliveryOutcome.TOKEN_REJECTED, {"code": exc.code})
        return ProcessReport(outcome=DeliveryOutcome.TOKEN_REJECTED)
    except poster_client.PosterNotFound as exc:
        delivery_finish(delivery, DeliveryOutcome.TRANSACTION_NOT_FOUND, {"code": exc.code})
        return ProcessReport(outcome=DeliveryOutcome.TRANSACTION_NOT_FOUND)
    except poster_client.PosterApiError as exc:
        if exc.retryable:
            logger.warning("poster delivery %s: %s; will retry", delivery.pk, exc)
            return ProcessReport(outcome=DeliveryOutcome.PENDING, retry=True)
        delivery_finish(delivery, DeliveryOutcome.FAILED, {"code": exc.code, "message": exc.poster_message[:200]})
        return ProcessReport(outcome=DeliveryOutcome.FAILED)
    finally:
        if http is not None:
            http.close()
    delivery_finish(delivery, result.outcome, result.detail)
    return ProcessReport(outcome=result.outcome)


def deliveries_stalled(*, older_than: timedelta) -> list[int]:
    """Unprocessed deliveries that nobody holds: never attempted (their task was lost) and received more than
    ``older_than`` ago, or whose lease (a run's, or a scheduled retry's) ran out more than ``older_than`` ago.
    Oldest first."""
    cutoff = clock.now() - older_than
    never_taken = Q(lease_until__isnull=True, received_at__lt=cutoff)
    return list(
        PosterWebhookDelivery.objects.filter(never_taken | Q(lease_until__lt=cutoff), processed_at__isnull=True)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )


def delivery_give_up(*, delivery_id: int, attempts: int) -> None:
    PosterWebhookDelivery.objects.filter(pk=delivery_id, processed_at__isnull=True).update(
        outcome=DeliveryOutcome.FAILED,
        processed_at=clock.now(),
        detail={"reason": "retries_exhausted"},
        lease_owner="",
        lease_until=None,
    )
    logger.error("poster delivery %s: giving up after %d attempts", delivery_id, attempts)
