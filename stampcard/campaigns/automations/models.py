"""An automation of a program, and the record that it fired for one card on one occasion.

``Automation`` is one per (program, kind): whether it is on, after how many days, its text per language, through
which channels, and the voucher it gives. ``AutomationFiring`` is the proof that it fired: unique per (automation,
card, occasion), so two workers running the scheduler at the same moment fire it once — the second insert fails on
the index, whatever the timing — and a run repeated after a crash fires nothing twice. The occasion names what it
fired for ("birthday:2027", "absence:<last visit>", "voucher:<id>"...), so a new occasion fires again.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class AutomationKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome after joining")
    BIRTHDAY = "birthday", _("Birthday")
    WIN_BACK = "win_back", _("Win-back after an absence")
    ONE_TO_GO = "one_to_go", _("One stamp to go")
    REWARD_READY = "reward_ready", _("Reward ready")
    VOUCHER_EXPIRING = "voucher_expiring", _("Voucher about to expire")
    STAMP_EXPIRY = "stamp_expiry", _("Stamp expiry")


class Automation(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey("cards.Program", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=AutomationKind.choices)
    is_enabled = models.BooleanField(default=False)
    enabled_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it was last switched on: what happened before does not fire it.")
    )
    days = models.PositiveSmallIntegerField(
        default=0, help_text=_("Days before the birthday, of absence, before a voucher expires, or until stamps lapse.")
    )
    reminder_days = models.PositiveSmallIntegerField(
        default=0, help_text=_("Stamp expiry: remind this many days before the stamps lapse (0: no reminder).")
    )
    send_hour = models.PositiveSmallIntegerField(default=10, help_text=_("Hour of the day, merchant's time."))
    channels = models.JSONField(default=list, blank=True)
    parts = models.JSONField(default=dict, blank=True, help_text=_("Language -> {subject, text}."))
    voucher_title = models.CharField(max_length=100, blank=True, help_text=_("Empty: no voucher."))
    voucher_description = models.TextField(blank=True)
    voucher_days = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Empty: no expiry."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "kind"], name="automation_one_per_kind")]
        indexes = [models.Index(fields=["is_enabled", "kind"], name="automation_enabled")]

    def __str__(self) -> str:
        return f"{self.kind} of program {self.program_id} ({'on' if self.is_enabled else 'off'})"

    @property
    def gives_voucher(self) -> bool:
        return bool(self.voucher_title)


class AutomationFiring(TenantModel):
    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="firings")
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(max_length=80)
    # The run's clock (``core.clock``), which the finders compare with visits; ``created_at`` is the wall clock.
    fired_at = models.DateTimeField()
    message = models.ForeignKey("campaigns.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stamps_lapsed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["automation", "card", "occasion"], name="automation_fires_once")]
        indexes = [models.Index(fields=["card", "automation", "fired_at"], name="automation_firing_card")]

    def __str__(self) -> str:
        return f"{self.automation_id} fired for card {self.card_id}: {self.occasion}"
