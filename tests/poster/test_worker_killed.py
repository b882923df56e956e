"""A real worker process SIGKILLed while it processes a Poster webhook: the task is re-queued by the next worker and
the check is stamped exactly once (PostgreSQL, real processes, the Poster stand-in over HTTP)."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.poster.models import DeliveryOutcome, PosterWebhookDelivery
from tests.poster.conftest import ACCOUNT, post_webhook

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds; a bound on a hang, not a timing the test depends on


def until(predicate, what: str):
    deadline = time.monotonic() + WAIT
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def worker_env(poster, settings) -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTER_", "TASKS_"))}
    env.update(poster.settings())
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        SECRET_KEY=settings.SECRET_KEY,  # the Poster token at rest is encrypted under it
        TASKS_WORKER_HEARTBEAT_SECONDS="0.2",
        TASKS_WORKER_TIMEOUT_SECONDS="2",
        POSTER_TIMEOUT_SECONDS="120",  # the held call must still be waiting when the worker is killed
        POSTER_MAX_ATTEMPTS="1",
    )
    return env


def start_worker(worker_id: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "stampcard.cli", "worker", "--no-startup-delay", "--interval", "0.1",
         "--worker-id", worker_id, "--no-reload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def held_poster(poster):
    """The stand-in, holding the first dash.getTransaction call open until released (a slow Poster)."""
    release = threading.Event()
    seen = threading.Event()
    original = poster.api

    def api(method, query):
        if method == "dash.getTransaction" and not seen.is_set():
            seen.set()
            release.wait(WAIT)
        return original(method, query)

    poster.api = api
    yield poster, seen, release
    release.set()
    del poster.api


def test_a_worker_killed_mid_delivery_leaves_the_work_to_the_next_and_it_is_done_once(
    held_poster, connected, card, settings
):
    poster, poster_asked, release = held_poster
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)], comment=f"stampcard:{card.number}")
    poster.transaction_close(ACCOUNT, transaction_id)
    assert post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed")).status_code == 200
    task = DBTaskResult.objects.get(task_path="stampcard.poster.tasks.poster_delivery_process")
    env = worker_env(poster, settings)
    first = start_worker("first", env)
    second = None
    try:
        # given: the first worker is inside the task, waiting on Poster
        assert poster_asked.wait(WAIT), first.stderr.read() if first.poll() is not None else "no call to Poster"
        task.refresh_from_db()
        assert task.status == "RUNNING" and task.worker_ids == ["first"]

        # when: it is killed outright, and another worker starts
        first.send_signal(signal.SIGKILL)
        first.wait(WAIT)
        release.set()  # the stand-in's handler thread may finish; nobody is listening
        second = start_worker("second", env)

        # then: the second re-queues the dead worker's task and runs it to the end
        until(lambda: DBTaskResult.objects.get(pk=task.pk).status in ("SUCCESSFUL", "FAILED"), "the task to finish")
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(WAIT)

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    assert task.worker_ids == ["first", "second"]
    delivery = PosterWebhookDelivery.objects.get()
    assert delivery.outcome == DeliveryOutcome.STAMPED and delivery.attempts == 2
    assert Check.objects.count() == 1
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1
    assert Card.objects.get(pk=card.pk).stamps == 1
    assert len(poster.calls("dash.getTransaction")) == 2
