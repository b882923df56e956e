"""Paired scanner devices, refused self-service scans and the alerts they raise."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.models import TenantModel


class DeviceMode(models.TextChoices):
    MANUAL = "manual", _("Manual (staff scan customers' cards)")
    KIOSK = "kiosk", _("Self-service kiosk (guests scan their own card)")
    AUTOPILOT = "autopilot", _("Autopilot (a barcode scanner stamps in the background)")


SELF_SERVICE_MODES = (DeviceMode.KIOSK, DeviceMode.AUTOPILOT)


class ScannerDevice(TenantModel):
    """A phone or tablet paired to one location with a staff login. Only a hash of its token is stored.

    It acts as the staff member who paired it (``paired_by``): when that membership or the location is deactivated,
    or the device is unpaired, its token stops working at the next request.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey("merchants.Location", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    mode = models.CharField(max_length=16, choices=DeviceMode.choices, default=DeviceMode.MANUAL)
    sound = models.BooleanField(default=True, help_text=_("The app plays a sound after a scan."))
    token_hash = models.CharField(max_length=64, unique=True, help_text=_("sha256 of the device token."))
    paired_by = models.ForeignKey("merchants.Membership", on_delete=models.CASCADE, related_name="+")
    paired_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    unpaired_at = models.DateTimeField(null=True, blank=True)
    unpaired_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-paired_at"]
        indexes = [models.Index(fields=["merchant", "paired_at"], name="scannerdevice_merchant")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_self_service(self) -> bool:
        return self.mode in SELF_SERVICE_MODES


class RefusalCode(models.TextChoices):
    VISIT_WINDOW = "visit_window", _("Already stamped here within the visit window")
    DAILY_CAP = "daily_cap", _("Daily self-service stamps used up")
    VOUCHER_COOLDOWN = "voucher_cooldown", _("A voucher was redeemed a moment ago")


class ScanRefusal(TenantModel):
    """A self-service scan or redemption the anti-abuse rules refused. Repeated refusals raise an alert."""

    device = models.ForeignKey(ScannerDevice, on_delete=models.CASCADE, related_name="refusals")
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("merchants.Location", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=24, choices=RefusalCode.choices)
    scan_id = models.UUIDField(null=True, blank=True, help_text=_("The client's scan id; a retry is recorded once."))
    at = models.DateTimeField(default=clock.now)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["card", "at"], name="scanrefusal_card_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "scan_id"], condition=Q(scan_id__isnull=False), name="scanrefusal_one_per_scan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} card {self.card_id} at {self.at:%Y-%m-%d %H:%M}"


class AlertKind(models.TextChoices):
    REPEATED_REFUSALS = "repeated_refusals", _("Repeated refused scans")
    UNUSUAL_ACTIVITY = "unusual_activity", _("Unusually many stamps in a day")


class AbuseAlert(TenantModel):
    """Something a manager should look at: one per card, kind and day (the merchant's calendar day)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text=_("The merchant's calendar day the alert is about."))
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(ScannerDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=clock.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["merchant", "reviewed_at", "raised_at"], name="abusealert_queue")]
        constraints = [models.UniqueConstraint(fields=["card", "kind", "day"], name="abusealert_one_per_card_day")]

    def __str__(self) -> str:
        return f"{self.kind} card {self.card_id} on {self.day}"


class AbuseAlertNotice(models.Model):
    """One alert emailed (or being emailed) to one opted-in staff member: the row that makes the email idempotent per
    recipient. A worker claims unsent rows with a conditional UPDATE (``claim`` + ``claimed_until``), sends one email
    for its batch after that commits, then sets ``sent_at``; a worker that died mid-way leaves a claim that expires, so
    the email goes at least once and, barring that crash, exactly once."""

    alert = models.ForeignKey(AbuseAlert, on_delete=models.CASCADE, related_name="notices")
    membership = models.ForeignKey("merchants.Membership", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "membership"], name="abusealertnotice_once_per_recipient")
        ]
        indexes = [models.Index(fields=["sent_at", "membership"], name="abusealertnotice_unsent")]

    def __str__(self) -> str:
        return f"alert {self.alert_id} to membership {self.membership_id}"


class LedgerCursor(models.Model):
    """How far a periodic scan of the card ledger has read (the last CardEvent id it saw)."""

    name = models.CharField(max_length=64, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
