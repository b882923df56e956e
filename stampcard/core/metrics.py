"""Prometheus metrics: what the code counts as it runs, and what the database says at scrape time.

Requests and their latencies are counted by django-prometheus' middleware (``stampcard_django_http_*``). Counters of
our own live here (wallet push failures), incremented where the failure happens, whichever process it is in. The
state of the task queue and of the workers is read from the database when Prometheus scrapes (``QueueCollector``), so
any web process answers for the whole installation.
"""

import hmac
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import prometheus_client
from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django_prometheus.middleware import PrometheusAfterMiddleware
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from stampcard.core import clock
from stampcard.core.models import WorkerHeartbeat

WALLET_PUSH_FAILURES = prometheus_client.Counter(
    "stampcard_wallet_push_failures",
    "Wallet updates that did not reach Apple or Google (refused, or given up after retries).",
    ["wallet", "reason"],
)


def tasks_waiting_oldest(*, now: datetime) -> dict[str, tuple[int, float]]:
    """queue name -> (tasks ready to run, seconds the longest-waiting one has been due), over the queues that have
    any. A task deferred to later is due from its ``run_after``; others from when they were enqueued."""
    ready = DBTaskResult.objects.ready()
    date_max = get_date_max()
    found: dict[str, tuple[int, float]] = {}
    counts = ready.order_by().values("queue_name").annotate(n=Count("id")).values_list("queue_name", "n")
    deferred = dict(
        ready.exclude(run_after=date_max)
        .order_by()
        .values("queue_name")
        .annotate(due=Min("run_after"))
        .values_list("queue_name", "due")
    )
    undeferred = dict(
        ready.filter(run_after=date_max)
        .order_by()
        .values("queue_name")
        .annotate(enqueued=Min("enqueued_at"))
        .values_list("queue_name", "enqueued")
    )
    for queue, n in counts:
        dues = [d for d in (deferred.get(queue), undeferred.get(queue)) if d is not None]
        found[queue] = (n, max(0.0, (now - min(dues)).total_seconds()) if dues else 0.0)
    return found


class QueueCollector(Collector):
    """Task queue depth and age, running tasks, live workers: read from the database at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = clock.now()
        depth = GaugeMetricFamily("stampcard_tasks_queue_depth", "Tasks ready to run, per queue.", labels=["queue"])
        age = GaugeMetricFamily(
            "stampcard_tasks_queue_oldest_age_seconds",
            "How long the longest-waiting ready task has been due, per queue.",
            labels=["queue"],
        )
        for queue, (n, seconds) in sorted(tasks_waiting_oldest(now=now).items()):
            depth.add_metric([queue], n)
            age.add_metric([queue], seconds)
        yield depth
        yield age
        yield GaugeMetricFamily(
            "stampcard_tasks_running", "Tasks claimed by a worker.", value=DBTaskResult.objects.running().count()
        )
        cutoff = now - timedelta(seconds=settings.TASKS_WORKER_TIMEOUT_SECONDS)
        alive = WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).count()
        yield GaugeMetricFamily("stampcard_workers_alive", "Task workers with a fresh heartbeat.", value=alive)


_database = prometheus_client.CollectorRegistry(auto_describe=False)
_database.register(QueueCollector())


def _process_registry() -> prometheus_client.CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return prometheus_client.REGISTRY


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics`` for Prometheus, with ``Authorization: Bearer <METRICS_TOKEN>``. Without a configured token the
    endpoint does not exist (404), so nothing is exposed by default."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        raise Http404()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    body = prometheus_client.generate_latest(_process_registry()) + prometheus_client.generate_latest(_database)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus' per-view request metrics, each labelled series looked up once per process.

    The middleware asks ``metric.labels(...)`` for seven series on every request, and prometheus_client checks and
    hashes the label values under a lock each time: a few percent of a checkout's CPU. The series for a set of label
    values is always the same object, so it is kept here. Bounded, because one label (the raw request method) comes
    from the client: past ``MAX_SERIES`` further series are looked up as before, not remembered.
    """

    MAX_SERIES = 2048

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._series: dict[tuple[object, ...], Any] = {}

    def label_metric(self, metric: Any, request: HttpRequest, response: Any = None, **labels: str) -> Any:
        if not labels:
            return metric
        key = (metric, *labels.items())
        series = self._series.get(key)
        if series is None:
            series = metric.labels(**labels)
            if len(self._series) < self.MAX_SERIES:
                self._series[key] = series
        return series
