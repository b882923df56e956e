"""``stampcard worker``: django-tasks' database worker, with a heartbeat so that a task held by a worker that died
is re-queued (``stampcard.core.workers``). Takes every option of ``db_worker``."""

import os
from typing import Any

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_prometheus.exports import SetupPrometheusEndpointOnPort
from django_tasks_db.management.commands import db_worker

from stampcard.core import workers


class Command(db_worker.Command):
    help = "Run the background task worker (re-queues tasks of workers that died)."

    def handle(self, *args: Any, worker_id: str, reload: bool, **options: Any) -> None:
        if reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent only watches files; the child it starts runs this again and beats.
            return super().handle(*args, worker_id=worker_id, reload=reload, **options)
        if settings.WORKER_METRICS_PORT:
            # Its own /metrics (wallet push failures happen here) when the web's multiprocess directory is not shared.
            SetupPrometheusEndpointOnPort(settings.WORKER_METRICS_PORT, settings.WORKER_METRICS_ADDRESS)
        # Before the first claim (so no one reclaims it), and a first sweep of what dead workers left behind.
        workers.worker_heartbeat_beat(worker_id=worker_id)
        workers.tasks_reclaim_stale()
        heartbeat = workers.Heartbeat(worker_id=worker_id)
        heartbeat.start()
        try:
            super().handle(*args, worker_id=worker_id, reload=reload, **options)
        finally:
            heartbeat.stop()
            workers.worker_heartbeat_forget(worker_id=worker_id)
