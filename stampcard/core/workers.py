"""Task workers that die mid-task: heartbeats, and re-queueing what a dead worker held.

django-tasks' database backend marks a task RUNNING when a worker claims it and records the worker's id, but a
worker that is SIGKILLed, runs out of memory or loses its machine leaves the task RUNNING for ever. Here each worker
(``stampcard worker``) keeps a ``WorkerHeartbeat`` row fresh from a thread, and every worker, on each beat, re-queues
the RUNNING tasks whose claiming worker has not been seen for ``TASKS_WORKER_TIMEOUT_SECONDS``. Tasks are therefore
run at least once; every task of stampcard is idempotent, so a second run after a lost first one does no harm.

A task that has been claimed ``TASKS_MAX_CLAIMS`` times without finishing (it kills its worker every time: a memory
blow-up, a segfault in a library) is marked FAILED instead of being handed to the next victim.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.models import DBTaskResult

from stampcard.core import clock
from stampcard.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

WORKER_LOST = "stampcard.core.workers.WorkerLost"
# A heartbeat row this much older than the timeout belongs to a worker long gone; it is deleted.
FORGET_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """Recorded as the error of a task whose every worker died running it (never raised)."""


@dataclass
class Reclaimed:
    requeued: list[str] = field(default_factory=list)  # task result ids, READY again
    failed: list[str] = field(default_factory=list)  # task result ids given up (claimed too often)


def worker_heartbeat_beat(*, worker_id: str, now: datetime | None = None) -> None:
    """Record that ``worker_id`` is alive now (creates its row on the first beat)."""
    now = now or clock.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"seen_at": now},
            create_defaults={
                "seen_at": now,
                "started_at": now,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )


def worker_heartbeat_forget(*, worker_id: str) -> None:
    """A worker that stops cleanly removes its row (it finished or handed back its task first)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def tasks_reclaim_stale(*, now: datetime | None = None) -> Reclaimed:
    """Re-queue the RUNNING tasks whose worker's heartbeat is older than the timeout (or that has none), and fail
    those claimed ``TASKS_MAX_CLAIMS`` times. Safe from any number of workers at once: each change is a conditional
    UPDATE on the claim it saw (status RUNNING and the same ``started_at``), so a task re-claimed meanwhile is left
    alone."""
    now = now or clock.now()
    cutoff = now - timedelta(seconds=settings.TASKS_WORKER_TIMEOUT_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    reclaimed = Reclaimed()
    # started_at before the cutoff: a worker that claimed a task a moment ago may not have beaten yet.
    running = DBTaskResult.objects.running().filter(started_at__lt=cutoff).only("id", "worker_ids", "started_at")
    for result in running:
        worker_ids = list(result.worker_ids or [])
        if worker_ids and worker_ids[-1] in alive:
            continue
        same_claim = DBTaskResult.objects.filter(pk=result.pk, status="RUNNING", started_at=result.started_at)
        if len(worker_ids) >= settings.TASKS_MAX_CLAIMS:
            changed = same_claim.update(
                status="FAILED",
                finished_at=now,
                return_value=None,
                exception_class_path=WORKER_LOST,
                traceback=f"{WORKER_LOST}: the worker running this task stopped without finishing it, "
                f"{len(worker_ids)} times (workers {', '.join(worker_ids)})\n",
            )
            if changed:
                reclaimed.failed.append(str(result.pk))
                logger.error("task %s failed: %d workers died running it", result.pk, len(worker_ids))
        elif same_claim.update(status="READY"):
            reclaimed.requeued.append(str(result.pk))
            logger.warning("task %s re-queued: worker %s stopped beating", result.pk, worker_ids[-1:] or "?")
    WorkerHeartbeat.objects.filter(seen_at__lt=cutoff - FORGET_AFTER).delete()
    return reclaimed


class Heartbeat(threading.Thread):
    """Beats for ``worker_id`` and reclaims stale tasks every ``TASKS_WORKER_HEARTBEAT_SECONDS`` until stopped.

    A thread, so that a task running for minutes does not make its own worker look dead. It uses its own database
    connection (Django's are per thread) and closes it when it stops. A failed beat (the database restarting) is
    logged and tried again on the next tick; the worker's main loop is never disturbed."""

    def __init__(self, *, worker_id: str) -> None:
        super().__init__(name=f"heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self._stop_event = threading.Event()

    def beat_once(self) -> Reclaimed | None:
        try:
            close_old_connections()
            worker_heartbeat_beat(worker_id=self.worker_id)
            return tasks_reclaim_stale()
        except Exception:
            logger.exception("worker %s: heartbeat failed; trying again", self.worker_id)
            connection.close()
            return None

    def run(self) -> None:
        try:
            # The worker beat once before it started this thread.
            while not self._stop_event.wait(settings.TASKS_WORKER_HEARTBEAT_SECONDS):
                self.beat_once()
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=settings.TASKS_WORKER_HEARTBEAT_SECONDS + 5)
