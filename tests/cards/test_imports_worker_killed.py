"""A real worker process SIGKILLed in the middle of an import job: the next worker re-queues the task, the job
resumes at its last committed batch, and every row lands once (PostgreSQL, real processes)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from stampcard.cards import tasks as cards_tasks
from stampcard.cards.imports import jobs
from stampcard.cards.models import Card, CardEvent, EventKind, ImportedRow, ImportJob, ImportState
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120  # seconds; a bound on a hang, not a timing the test depends on
ROWS = 3 * jobs.BATCH_SIZE + 17


def until(predicate, what: str):
    deadline = time.monotonic() + WAIT
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return value


def start_worker(worker_id: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKS_")}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        TASKS_WORKER_HEARTBEAT_SECONDS="0.2",
        TASKS_WORKER_TIMEOUT_SECONDS="2",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "stampcard.cli", "worker", "--no-startup-delay", "--interval", "0.1",
         "--worker-id", worker_id, "--no-reload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_worker_killed_mid_import_leaves_the_rest_to_the_next_and_each_row_lands_once(manager, program, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    lines = ["Name,Email,Stamps"] + [f"Customer {n},c{n}@example.com,{n % 7}" for n in range(ROWS)]
    job = jobs.import_job_create(
        actor=manager.actor(Channel.PANEL), program_id=program.pk, file_name="big.csv", data="\n".join(lines).encode()
    )
    cards_tasks.import_begin(job=job)
    task = DBTaskResult.objects.get(task_path="stampcard.cards.tasks.import_job_run")
    first = start_worker("first")
    second = None
    try:
        # given: the first worker has committed at least one batch and not the last
        until(lambda: ImportJob.objects.get(pk=job.pk).rows_done >= jobs.BATCH_SIZE, "a first batch")
        first.send_signal(signal.SIGKILL)
        first.wait(WAIT)
        stopped_at = ImportJob.objects.get(pk=job.pk).rows_done
        assert stopped_at < ROWS, "the job finished before the worker was killed; make the file bigger"

        # when: another worker starts
        second = start_worker("second")

        # then: it re-queues the dead worker's task, and the job resumes and finishes
        until(lambda: ImportJob.objects.get(pk=job.pk).state == ImportState.DONE, "the job to finish")
        until(lambda: DBTaskResult.objects.get(pk=task.pk).status == "SUCCESSFUL", "the task to succeed")
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(WAIT)

    job.refresh_from_db()
    assert (job.rows_done, job.created_count, job.skipped_count, job.rejected) == (ROWS, ROWS, 0, [])
    assert job.runs == 2
    assert DBTaskResult.objects.get(pk=task.pk).worker_ids == ["first", "second"]
    assert Customer.objects.filter(name__startswith="Customer ").count() == ROWS
    assert ImportedRow.objects.count() == ROWS
    assert CardEvent.objects.filter(kind=EventKind.IMPORTED).count() == ROWS
    assert Card.objects.aggregate(s=Sum("stamps"))["s"] == sum(n % 7 for n in range(ROWS))
