"""Acting on stored Poster webhook deliveries (``webhooks`` stores them; ``tasks`` runs this module).

Processing is idempotent: a delivery processed once is a no-op, and what it does (a checkout commit, amend or
reversal through ``sync``) replays its first outcome.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stampcard.core import clock
from stampcard.poster import client as poster_client
from stampcard.poster import crypto, selectors, services, sync
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterWebhookDelivery

logger = logging.getLogger(__name__)


def delivery_finish(delivery: PosterWebhookDelivery, outcome: DeliveryOutcome, detail: dict[str, Any]) -> None:
    """Record what processing a delivery came to; a processed delivery is never processed again."""
    delivery.outcome, delivery.detail, delivery.processed_at = outcome, detail, clock.now()
    delivery.save(update_fields=["poster_account", "outcome", "detail", "processed_at", "attempts"])


@dataclass
class ProcessReport:
    outcome: DeliveryOutcome
    retry: bool = False


def delivery_process(*, delivery_id: int, client_factory: Any = None) -> ProcessReport:
    """Act on one stored delivery (no-op once processed). ``client_factory(token) -> PosterClient`` is injected by
    tests; by default a client over a fresh httpx client. A transient Poster failure asks for a retry."""
    delivery = PosterWebhookDelivery.objects.select_related("poster_account__merchant").filter(pk=delivery_id).first()
    if delivery is None or delivery.processed_at is not None:
        return ProcessReport(outcome=DeliveryOutcome(delivery.outcome) if delivery else DeliveryOutcome.IGNORED)
    PosterWebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1)
    delivery.attempts += 1
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
    """Deliveries stored but never attempted (their task was lost), oldest first."""
    cutoff = clock.now() - older_than
    return list(
        PosterWebhookDelivery.objects.filter(
            processed_at__isnull=True, attempts=0, received_at__lt=cutoff, object="transaction"
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )


def delivery_give_up(*, delivery_id: int, attempts: int) -> None:
    PosterWebhookDelivery.objects.filter(pk=delivery_id, processed_at__isnull=True).update(
        outcome=DeliveryOutcome.FAILED, processed_at=clock.now(), detail={"reason": "retries_exhausted"}
    )
    logger.error("poster delivery %s: giving up after %d attempts", delivery_id, attempts)
