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
