"""Idempotency records for POS writes: the first response to (API key, Idempotency-Key), replayed on retry; alerts
raised when a key, a device or an address runs into a miss limit (``misses``).

Neither the idempotency key nor the answer is stored in clear: the key as its SHA-256, the answer sealed under a key
derived from ``SECRET_KEY`` and the Idempotency-Key (``stampcard.api.sealing``), since answers carry bearer tokens.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock


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


class LimitAlert(models.Model):
    """A miss limit was reached: a key, a scanner device or an address tried too many card numbers, receipt codes or
    voucher codes that do not exist. One row per subject and clock hour (``hour``); later refusals of that hour count
    into ``refusals``. The merchant panel's dashboard shows the open ones (``stampcard.api.alerts``) until a manager
    dismisses them; the first of each hour is emailed to the merchant's owners.

    The device is named by id and name, not by a foreign key: the scanner app sits above this kit."""

    class Subject(models.TextChoices):
        API_KEY = "api_key", _("API key")
        DEVICE = "device", _("Scanner device")
        IP = "ip", _("Network address")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, help_text=_("What was looked up: lookup (cards, receipts) or voucher."))
    subject = models.CharField(max_length=16, choices=Subject.choices)
    subject_key = models.CharField(max_length=80, help_text=_("The counted scope (key, device or hashed address)."))
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    device_id = models.UUIDField(null=True, blank=True)
    device_name = models.CharField(max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    limit = models.PositiveIntegerField(help_text=_("Misses allowed per window."))
    window_seconds = models.PositiveIntegerField()
    refusals = models.PositiveIntegerField(default=1, help_text=_("Lookups refused in this hour."))
    hour = models.DateTimeField(help_text=_("The clock hour (UTC) the alert is about."))
    raised_at = models.DateTimeField(default=clock.now)
    last_refused_at = models.DateTimeField(default=clock.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Open until a manager dismisses it in the panel; a refusal after that opens it again (it is still going on).
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["merchant", "raised_at"], name="limitalert_merchant_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind", "subject_key", "hour"], name="limitalert_one_per_subject_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} limit of {self.subject} {self.subject_key} at {self.hour:%Y-%m-%d %H}:00"
