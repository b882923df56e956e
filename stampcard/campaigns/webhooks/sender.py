"""Sending deliveries: claim what is due, POST it outside any transaction, record each attempt, schedule retries.

One round (``deliveries_send_due``) claims at most ``PER_ENDPOINT`` deliveries of each endpoint and sends each
endpoint's in its own thread, with short timeouts; threads do only HTTP (no database), and the round records an
endpoint's results as soon as that endpoint is done. So a slow or dead endpoint holds up nobody else: its thread
waits out its own timeout, stops at its first failure (the rest of its batch is left due, unattempted), and starts
nothing past the round's time box.

Retries: after a failed attempt the next one waits ``RETRY_DELAYS`` (1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then
12 h), with a last attempt at the end of the 24-hour window; a delivery still failing then is marked failed. The
window counts from the event (or from a replay). A 2xx answer delivers; anything else, including a redirect, is a
failed attempt.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F

from stampcard.campaigns.webhooks import addresses, locks, signing
from stampcard.campaigns.webhooks.errors import WebhookUrlNotAllowed
from stampcard.campaigns.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from stampcard.core import clock

logger = logging.getLogger(__name__)

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
RETRY_WINDOW = timedelta(hours=24)
PER_ENDPOINT = 10  # deliveries of one endpoint per round
ROUND_LIMIT = 500  # deliveries per round in all
MAX_THREADS = 32  # endpoints sent to at once by one round
EXCERPT = 500
USER_AGENT = "stampcard-webhooks/1"

ClientFactory = Callable[[], httpx.Client]


def timeout_seconds() -> float:
    return float(getattr(settings, "STAMPCARD_WEBHOOKS_TIMEOUT_SECONDS", 10))


def time_box() -> timedelta:
    """How long a round may go on starting new sends."""
    return timedelta(seconds=float(getattr(settings, "STAMPCARD_WEBHOOKS_ROUND_SECONDS", 30)))


def retry_at(*, attempts: int, window_started_at: datetime, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None when the 24-hour window is spent."""
    window_end = window_started_at + RETRY_WINDOW
    if now >= window_end:
        return None
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return min(now + delay, window_end)


@dataclass
class Outcome:
    """What one POST came to (no database in here: made in a sending thread)."""

    started_at: datetime
    duration_ms: int = 0
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class SendReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    left: int = 0  # claimed but not attempted this round (time box, or the endpoint failed earlier in the round)
    endpoints: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
            "left": self.left,
            "endpoints": self.endpoints,
        }


def http_client() -> httpx.Client:
    seconds = timeout_seconds()
    return httpx.Client(
        timeout=httpx.Timeout(seconds, connect=min(5.0, seconds)),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


def post(
    *,
    endpoint_url: str,
    secret: str,
    event: str,
    delivery_id: str,
    body: str,
    http: httpx.Client,
    resolve: addresses.Resolver | None = None,
) -> Outcome:
    """Sign and POST one delivery to the address checked just now (never raises)."""
    started = clock.now()
    began = time.monotonic()
    outcome = Outcome(started_at=started)
    try:
        target = addresses.url_check(endpoint_url, resolve=resolve)
    except WebhookUrlNotAllowed as refused:
        outcome.error = f"address_refused: {refused.message}"[:300]
        return outcome
    raw = body.encode()
    headers = {
        "Content-Type": "application/json",
        "Host": target.host_header,
        "Stampcard-Event": event,
        "Stampcard-Delivery": delivery_id,
        "Stampcard-Signature": signing.signature(secret=secret, timestamp=int(time.time()), body=raw),
    }
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with http.stream("POST", target.connect_url, content=raw, headers=headers, extensions=extensions) as response:
            outcome.status_code = response.status_code
            outcome.excerpt = _excerpt(response)
    except httpx.TimeoutException:
        outcome.error = f"timeout: no answer within {timeout_seconds():g} s"
    except httpx.HTTPError as exc:
        outcome.error = f"connection_failed: {type(exc).__name__}: {exc}"[:300]
    outcome.duration_ms = int((time.monotonic() - began) * 1000)
    return outcome


def _excerpt(response: httpx.Response) -> str:
    taken = b""
    for chunk in response.iter_bytes():
        taken += chunk
        if len(taken) >= EXCERPT:
            break
    return taken[:EXCERPT].decode("utf-8", errors="replace")


@dataclass
class _Job:
    endpoint: WebhookEndpoint
    secret: str | None  # None: it cannot be unsealed; nothing is sent
    deliveries: list[WebhookDelivery]
    results: list[tuple[WebhookDelivery, Outcome | None]] = field(default_factory=list)


def _send_job(job: _Job, *, deadline: float, client_factory: ClientFactory, resolve: addresses.Resolver | None) -> _Job:
    """One endpoint's share of a round, in its own thread: in order, until the first failure or the deadline."""
    stopped = False
    with client_factory() as http:
        for delivery in job.deliveries:
            if stopped or job.secret is None or time.monotonic() >= deadline:
                job.results.append((delivery, None))
                continue
            outcome = post(
                endpoint_url=job.endpoint.url,
                secret=job.secret,
                event=delivery.event,
                delivery_id=str(delivery.pk),
                body=delivery.body,
                http=http,
                resolve=resolve,
            )
            job.results.append((delivery, outcome))
            stopped = not outcome.ok
    return job


def _jobs_of(claimed: list[WebhookDelivery]) -> list[_Job]:
    jobs: dict[Any, _Job] = {}
    for delivery in claimed:
        job = jobs.get(delivery.endpoint_id)
        if job is None:
            try:
                secret: str | None = delivery.endpoint.secret
            except Exception:
                # SECRET_KEY was rotated without keeping the old one: nothing can be signed; the deliveries wait.
                logger.exception("webhook endpoint %s: its secret cannot be unsealed", delivery.endpoint_id)
                secret = None
            job = jobs[delivery.endpoint_id] = _Job(endpoint=delivery.endpoint, secret=secret, deliveries=[])
        job.deliveries.append(delivery)
    return list(jobs.values())


def deliveries_send_due(
    *,
    client_factory: ClientFactory | None = None,
    resolve: addresses.Resolver | None = None,
    per_endpoint: int = PER_ENDPOINT,
    limit: int = ROUND_LIMIT,
) -> SendReport:
    """One round: claim what is due and send it, for at most the round's time box. Safe from any number of workers
    at once. An endpoint whose batch all went through gets its next batch at once (claimed here, in this thread),
    while the others are still being sent to: a busy endpoint drains its queue without waiting for a slow one."""
    report = SendReport()
    box = time_box()
    claim_for = box + timedelta(seconds=timeout_seconds() * 2 + 60)
    claimed = locks.deliveries_claim(now=clock.now(), claim_for=claim_for, per_endpoint=per_endpoint, limit=limit)
    if not claimed:
        return report
    jobs = _jobs_of(claimed)
    report.endpoints = len(jobs)
    deadline = time.monotonic() + box.total_seconds()
    factory = client_factory or http_client
    with ThreadPoolExecutor(max_workers=min(len(jobs), MAX_THREADS), thread_name_prefix="webhooks") as pool:

        def submit(job: _Job) -> Future[_Job]:
            return pool.submit(_send_job, job, deadline=deadline, client_factory=factory, resolve=resolve)

        running = {submit(job) for job in jobs}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = future.result()
                for delivery, outcome in job.results:
                    _record(delivery, outcome, report)
                went_through = all(outcome is not None and outcome.ok for _delivery, outcome in job.results)
                if went_through and time.monotonic() < deadline:
                    more = locks.deliveries_claim(
                        now=clock.now(),
                        claim_for=claim_for,
                        per_endpoint=per_endpoint,
                        limit=per_endpoint,
                        endpoint_id=job.endpoint.pk,
                    )
                    running |= {submit(next_job) for next_job in _jobs_of(more)}
    return report


def _record(delivery: WebhookDelivery, outcome: Outcome | None, report: SendReport) -> None:
    """Store one result of the round that claimed ``delivery`` (only while the claim is still its own)."""
    ours = WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token, state=DeliveryState.PENDING)
    if outcome is None:
        ours.update(claimed_until=None)
        report.left += 1
        return
    now = clock.now()
    attempts = delivery.attempts + 1
    update: dict[str, Any] = {
        "attempts": F("attempts") + 1,
        "claimed_until": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if outcome.ok:
        update.update(state=DeliveryState.DELIVERED, delivered_at=now, next_attempt_at=None)
        report.delivered += 1
    else:
        later = retry_at(attempts=attempts, window_started_at=delivery.window_started_at, now=now)
        if later is None:
            update.update(state=DeliveryState.FAILED, failed_at=now, next_attempt_at=None)
            report.failed += 1
        else:
            update["next_attempt_at"] = later
            report.retrying += 1
    with transaction.atomic():
        if not ours.update(**update):
            return  # the claim lapsed and another round took the delivery: its result stands
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            number=attempts,
            started_at=outcome.started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error,
            response_excerpt=outcome.excerpt,
        )
    if not outcome.ok:
        logger.info(
            "webhook delivery %s to %s: attempt %d failed (%s)",
            delivery.pk,
            delivery.endpoint_id,
            attempts,
            outcome.status_code or outcome.error,
        )
