"""Base models shared by every tenant-owned table."""

from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class TenantModel(TimestampedModel):
    """A row owned by one merchant. Every query for it goes through a selector that takes the merchant."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Throttle(models.Model):
    """Requests of one scope (an API key, a card, an email hash…) counted in one fixed time window.

    In the database so that a limit holds across every web process and server, whatever the cache backend.
    ``stampcard.core.throttle`` is the only code that moves it.
    """

    scope = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "window_start"], name="throttle_one_row_per_window")]
        indexes = [models.Index(fields=["window_start"], name="throttle_window")]

    def __str__(self) -> str:
        return f"{self.scope}@{self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class WorkerHeartbeat(models.Model):
    """A task worker that is alive: its process refreshes ``seen_at`` from a thread while it runs (even during a long
    task). A task RUNNING under a worker whose heartbeat went stale is re-queued by ``stampcard.core.workers``: the
    database backend of django-tasks records who claimed a task but has no notion of a claim that died with its
    process."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["seen_at"], name="worker_heartbeat_seen")]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid}) seen {self.seen_at:%Y-%m-%d %H:%M:%S}"
