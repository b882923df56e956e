"""A campaign (one message to an audience, now or at a set time) and its recipients.

The lifecycle (``states``): ``draft -> scheduled -> preparing -> sending``, or ``draft -> preparing`` when sent now;
``cancelled`` from any of them. ``preparing`` is the worker fixing the audience (``CampaignRecipient`` rows, the
holdout drawn per card), issuing each recipient's voucher and handing the rest to the message; from ``sending`` on,
the campaign's ``Message`` carries the deliveries and their progress.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    PREPARING = "preparing", _("Preparing")
    SENDING = "sending", _("Sending")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    audience = models.JSONField(default=dict, help_text=_("The audience rule (campaigns.audiences.rules)."))
    channels = models.JSONField(default=list)
    parts = models.JSONField(default=dict, help_text=_("The texts per language: {lang: {subject, text}}."))
    voucher_title = models.CharField(max_length=100, blank=True, help_text=_("Empty: no voucher."))
    voucher_description = models.TextField(blank=True)
    voucher_days = models.PositiveIntegerField(null=True, blank=True, help_text=_("Valid for this many days."))
    holdout_percent = models.PositiveSmallIntegerField(default=0)
    results_days = models.PositiveSmallIntegerField(default=14)
    state = models.CharField(max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text=_("When preparing began."))
    sent_at = models.DateTimeField(null=True, blank=True, help_text=_("When the message was handed out."))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When its sending ended and the campaign.sent webhook event was raised.")
    )
    # The last sign of life of the preparing step: the sweep picks up a campaign whose worker died while preparing.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    message = models.OneToOneField(
        "campaigns.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="campaign"
    )
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="campaign_recent"),
            # What the scheduler looks for: scheduled ones coming due.
            models.Index(fields=["scheduled_at"], name="campaign_due", condition=Q(state="scheduled")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(holdout_percent__lte=50), name="campaign_holdout_at_most_half"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignRecipient(TenantModel):
    """A card the campaign was for, fixed when it started: sent to, or held out to measure the lift. ``voucher`` is
    the one issued to it, set in the same transaction as the issue, so a resumed start never issues a second."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    holdout = models.BooleanField(default=False)
    voucher = models.OneToOneField(
        "vouchers.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voucher_problem = models.CharField(max_length=64, blank=True, help_text=_("Why no voucher could be issued."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "card"], name="campaign_recipient_once")]
        indexes = [
            models.Index(fields=["campaign", "holdout"], name="campaign_recipient_group"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.card_id}{' (holdout)' if self.holdout else ''}"
