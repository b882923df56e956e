"""Rewards reached on a card."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models import RewardKind
from stampcard.core.models import TenantModel


class RewardState(models.TextChoices):
    READY = "ready", _("Ready to hand over")
    HANDED_OVER = "handed_over", _("Handed over")
    WITHDRAWN = "withdrawn", _("Withdrawn (its check was reversed)")


class Reward(TenantModel):
    """A reward a card reached: the stamps it consumed left the card when it was issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="rewards")
    kind = models.CharField(max_length=16, choices=RewardKind.choices)
    state = models.CharField(max_length=16, choices=RewardState.choices, default=RewardState.READY)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    stamps_spent = models.PositiveIntegerField()
    milestone = models.PositiveSmallIntegerField(default=0, help_text=_("Index of the milestone in its round."))
    cycle = models.PositiveIntegerField(default=0, help_text=_("The card's round in which it was reached."))
    spec = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("The milestone's reward as configured when reached: kind, title, voucher terms, lottery id."),
    )
    check_ref = models.ForeignKey(
        "cards.Check",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rewards",
        db_column="check_id",
        help_text=_("The check whose stamps reached this reward."),
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["card", "state"], name="reward_card_state")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state="ready", handed_over_at__isnull=True, withdrawn_at__isnull=True)
                    | Q(state="handed_over", handed_over_at__isnull=False, withdrawn_at__isnull=True)
                    | Q(state="withdrawn", handed_over_at__isnull=True, withdrawn_at__isnull=False)
                ),
                name="reward_state_timestamps",
            )
        ]
