"""Idempotency records for POS writes: the first response to (API key, Idempotency-Key), replayed on retry.

Neither the key nor the answer is stored in clear: the key as its SHA-256, the answer sealed under a key derived from
``SECRET_KEY`` and the Idempotency-Key (``stampcard.api.sealing``), since answers carry bearer tokens.
"""

from django.db import models


class IdempotencyRecord(models.Model):
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.CASCADE, related_name="+")
    key_digest = models.CharField(max_length=64, help_text="SHA-256 of the Idempotency-Key (never stored in clear).")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical JSON body.")
    status_code = models.PositiveSmallIntegerField()
    body = models.BinaryField(help_text="The response body, sealed with AES-GCM (stampcard.api.sealing).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key_digest"], name="idempotency_key_digest_unique_per_api_key")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key_digest[:12]} -> {self.status_code}"
