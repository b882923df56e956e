"""Liveness and readiness for load balancers and orchestrators.

``/healthz``: the process answers (no database: a database outage must not get every web process restarted).
``/readyz``: the database answers and the task backlog is not stuck (the oldest ready task has been due for less than
``READY_MAX_TASK_AGE_SECONDS``): 200, else 503 with what failed.
"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

from stampcard.core import clock
from stampcard.core.metrics import tasks_waiting_oldest


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        waiting = tasks_waiting_oldest(now=clock.now())
    except DatabaseError:
        checks["database"] = "unreachable"
        return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    oldest = max((seconds for _, seconds in waiting.values()), default=0.0)
    limit = settings.READY_MAX_TASK_AGE_SECONDS
    checks["tasks"] = {
        "ready": sum(n for n, _ in waiting.values()),
        "oldest_age_seconds": round(oldest),
        "limit_seconds": limit,
        "status": "ok" if oldest < limit else "backlog",
    }
    ok = oldest < limit
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
