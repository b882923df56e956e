"""Idempotency records for POS writes: the first response to (API key, Idempotency-Key), replayed on retry."""

from django.db import models


class IdempotencyRecord(models.Model):
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical JSON body.")
    status_code = models.PositiveSmallIntegerField()
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_unique_per_api_key")]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key} -> {self.status_code}"
