"""What an operator watches: /healthz, /readyz (database, task backlog), /metrics (token), request ids in JSON logs,
and the frame policy (no framing, but for the Poster pages Poster's admin shows in a frame)."""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from stampcard.core import clock, metrics, workers
from stampcard.core.throttle import throttles_prune

pytestmark = pytest.mark.django_db


def waiting_since(ago: timedelta, *, run_after: timedelta | None = None) -> DBTaskResult:
    result = throttles_prune.enqueue()
    changes = {"enqueued_at": clock.now() - ago}
    if run_after is not None:
        changes["run_after"] = clock.now() + run_after
    DBTaskResult.objects.filter(pk=result.id).update(**changes)
    return DBTaskResult.objects.get(pk=result.id)


def test_healthz_answers_without_the_database(client, monkeypatch):
    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def broken_cursor(*args, **kwargs):
    raise OperationalError("connection refused")


def test_readyz_is_ready_with_a_fresh_backlog(client, settings):
    settings.READY_MAX_TASK_AGE_SECONDS = 600
    waiting_since(timedelta(minutes=2))
    waiting_since(timedelta(hours=5), run_after=timedelta(minutes=30))  # deferred: not due yet, not waiting
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    tasks = response.json()["checks"]["tasks"]
    assert tasks["ready"] == 1 and 100 < tasks["oldest_age_seconds"] < 600 and tasks["status"] == "ok"
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_unavailable_when_the_oldest_task_waits_too_long(client, settings):
    settings.READY_MAX_TASK_AGE_SECONDS = 600
    waiting_since(timedelta(minutes=11))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"]["status"] == "backlog"


def test_readyz_is_unavailable_without_the_database(client, monkeypatch):
    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"] == {"database": "unreachable"}


def test_metrics_do_not_exist_without_a_token_and_refuse_a_wrong_one(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401


def scrape(settings) -> str:
    settings.METRICS_TOKEN = "s3cret-token"
    response = Client().get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, name: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ") or line.startswith(name + "{")]
    return float(line.rsplit(" ", 1)[1])


def test_metrics_show_the_queue_the_workers_requests_and_push_failures(settings):
    waiting_since(timedelta(minutes=3))
    waiting_since(timedelta(minutes=1))
    workers.worker_heartbeat_beat(worker_id="w1")
    Client().get("/healthz")
    before = metrics.WALLET_PUSH_FAILURES.labels(wallet="apple", reason="refused")._value.get()
    metrics.WALLET_PUSH_FAILURES.labels(wallet="apple", reason="refused").inc()

    text = scrape(settings)

    assert sample(text, 'stampcard_tasks_queue_depth{queue="default"}') == 2
    assert 170 < sample(text, 'stampcard_tasks_queue_oldest_age_seconds{queue="default"}') < 600
    assert sample(text, "stampcard_tasks_running") == 0
    assert sample(text, "stampcard_workers_alive") == 1
    assert sample(text, 'stampcard_wallet_push_failures_total{reason="refused",wallet="apple"}') == before + 1
    assert "stampcard_django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert 'stampcard_django_http_responses_total_by_status_total{status="200"}' in text


def test_every_request_moves_its_views_series_each_time(settings):
    """The request metrics keep each labelled series once (``RequestMetricsMiddleware``): every request still counts."""
    healthz = 'view="stampcard.core.health.healthz"'
    view = f'stampcard_django_http_responses_total_by_status_view_method_total{{method="GET",status="200",{healthz}}}'
    latency = f'stampcard_django_http_requests_latency_seconds_by_view_method_count{{method="GET",{healthz}}}'
    Client().get("/healthz")  # both series exist from here on
    text = scrape(settings)
    before, latency_before = sample(text, view), sample(text, latency)

    for _ in range(3):
        Client().get("/healthz")

    text = scrape(settings)
    assert sample(text, view) == before + 3
    assert sample(text, latency) == latency_before + 3


def test_every_response_carries_a_request_id_and_keeps_the_proxys(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz")["X-Request-ID"] != generated
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-42"})["X-Request-ID"] == "nginx-42"


def test_json_logs_carry_the_request_id_of_the_request_they_belong_to(settings):
    """The formatter and filter of settings.LOGGING (LOG_FORMAT=json), on a warning logged inside a request."""
    from django.utils.module_loading import import_string

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    spec = dict(settings.LOGGING["formatters"]["json"])
    handler.setFormatter(import_string(spec.pop("()"))(**spec))
    handler.addFilter(import_string(settings.LOGGING["filters"]["request_id"]["()"])())
    security = logging.getLogger("stampcard.security")
    security.addHandler(handler)
    try:
        body = {"account": "a", "object": "transaction", "object_id": "1", "action": "changed", "time": "1"}
        body["verify"] = "not-the-signature"
        response = Client().post(
            "/integrations/poster/webhook", data=json.dumps(body), content_type="application/json",
            headers={"X-Request-ID": "req-7"},
        )  # fmt: skip
    finally:
        security.removeHandler(handler)
    assert response.status_code in (400, 403)
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["request_id"] == "req-7" and record["level"] == "WARNING" and record["logger"] == "stampcard.security"
    assert "bad signature" in record["message"] and {"time", "pid"} <= record.keys()


def test_pages_may_not_be_framed_but_poster_pages_may_be_framed_by_poster(client, settings):
    settings.FRAME_ANCESTORS_BY_PATH = {"/integrations/poster/": ["https://joinposter.com", "https://*.joinposter.com"]}
    public = client.get("/healthz")
    assert public["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in public["Content-Security-Policy"]
    poster = client.get("/integrations/poster/")
    assert "X-Frame-Options" not in poster
    assert "frame-ancestors https://joinposter.com https://*.joinposter.com" in poster["Content-Security-Policy"]
