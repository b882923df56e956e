"""Outbound webhooks: an endpoint a merchant registers, a delivery of one event to one endpoint, each attempt at it.

A delivery's id is the ``Stampcard-Delivery`` header: the same on every retry and replay of it, so a receiver can
drop what it already took. ``(endpoint, event_key)`` is unique, so the feed that makes deliveries from the ledger may
run twice over the same events without a second delivery (at least once, idempotent per recipient).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core import secretbox
from stampcard.core.models import TenantModel

SECRET_PURPOSE = "campaigns.webhook-secret"


class WebhookEndpoint(TenantModel):
    """An HTTPS address of the merchant's that receives the events it chose, signed with its own secret.

    The secret is not stored in clear (``core.secretbox``): the panel shows it again, and every delivery is signed
    with it, so it is sealed under ``SECRET_KEY`` rather than hashed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=100, blank=True)
    events = models.JSONField(default=list, help_text=_("Event names this endpoint receives, e.g. stamp.added."))
    is_active = models.BooleanField(default=True)
    secret_digest = models.CharField(max_length=secretbox.DIGEST_LENGTH, editable=False)
    secret_sealed = models.CharField(max_length=secretbox.SEALED_MAX_LENGTH, editable=False)
    secret_rolled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["merchant", "is_active"], name="webhook_endpoint_active")]

    def __str__(self) -> str:
        return self.url

    secret = secretbox.sealed_token(
        purpose=SECRET_PURPOSE, prefix="secret", doc="The signing secret (whsec_…) of the endpoint."
    )

    def receives(self, event: str) -> bool:
        return self.is_active and event in self.events


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(TenantModel):
    """One event for one endpoint: its JSON body (signed as stored, byte for byte), where it stands, when next."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_key = models.CharField(max_length=120, help_text=_("What the event came from; one delivery per endpoint."))
    event_id = models.UUIDField(help_text=_("The event's id in the body: the same for every endpoint."))
    body = models.TextField(help_text=_("The JSON sent, exactly as signed."))
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The 24-hour retry window counts from here: the event, or the replay that started the delivery over.
    window_started_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    replayed_at = models.DateTimeField(null=True, blank=True, help_text=_("Last time someone asked to send it again."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [
            # What the sender claims: pending, due, oldest first.
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due", condition=Q(state="pending")),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.state})"


ATTEMPT_ERRORS = {
    "timeout": _("No answer in time"),
    "address_refused": _("Not sent: the address leads to a private or local network"),
    "connection_failed": _("Could not connect"),
}


class WebhookAttempt(models.Model):
    """One POST of a delivery: what came back (a status code, or the error of a connection that failed) and how long
    it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["delivery", "-started_at"], name="webhook_attempt_recent")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def error_text(self) -> str:
        """The error in the reader's language (``error`` is "<code>: <detail>", the detail for developers)."""
        code = self.error.split(":", 1)[0]
        return str(ATTEMPT_ERRORS[code]) if code in ATTEMPT_ERRORS else self.error


class WebhookCursor(models.Model):
    """How far the webhook feed has read a table it follows (the card ledger, new cards): the last id it saw."""

    name = models.CharField(max_length=64, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_id}"
