"""The POS checks that feed cards and the append-only stamp ledger."""

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models.cards import Card
from stampcard.core.models import TenantModel
from stampcard.merchants.actors import Channel


class CheckState(models.TextChoices):
    COMMITTED = "committed", _("Committed")
    REVERSED = "reversed", _("Reversed")


class ReversalKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    VOID = "void", _("Void")


class Check(TenantModel):
    """A POS receipt we have stamped. One row per (merchant, POS, external id): a receipt never stamps twice."""

    pos = models.CharField(max_length=32, default="api")
    external_id = models.CharField(max_length=64)
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="checks")
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total = models.BigIntegerField(help_text=_("Minor units."))
    currency = models.CharField(max_length=3)
    closed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=CheckState.choices, default=CheckState.COMMITTED)
    stamps_issued = models.PositiveIntegerField(default=0)
    stamps_reversed = models.PositiveIntegerField(default=0)
    reversal_kind = models.CharField(max_length=8, choices=ReversalKind.choices, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "pos", "external_id"], name="check_unique_per_pos"),
            models.CheckConstraint(condition=Q(total__gte=0), name="check_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.pos}:{self.external_id}"


class EventKind(models.TextChoices):
    STAMP = "stamp", _("Stamps earned")
    REVERSAL = "reversal", _("Stamps reversed")
    ADJUSTMENT = "adjustment", _("Manual adjustment")
    REWARD_ISSUED = "reward_issued", _("Reward issued")
    REWARD_WITHDRAWN = "reward_withdrawn", _("Reward withdrawn")
    REWARD_HANDED_OVER = "reward_handed_over", _("Reward handed over")
    VOUCHER_ISSUED = "voucher_issued", _("Voucher issued")
    VOUCHER_REDEEMED = "voucher_redeemed", _("Voucher redeemed")
    VOUCHER_CANCELLED = "voucher_cancelled", _("Voucher cancelled")
    VOUCHER_EXPIRED = "voucher_expired", _("Voucher expired")
    LOTTERY_DRAW = "lottery_draw", _("Lottery draw")
    PROGRAM_VERSION_CHANGED = "program_version_changed", _("Moved to the program's new rules")
    MERGED_IN = "merged_in", _("Duplicate card merged in")
    MERGED_OUT = "merged_out", _("Merged into another card")
    IMPORTED = "imported", _("Imported from another system")
    CARD_ISSUED = "card_issued", _("Card issued")
    PASS_INSTALLED = "pass_installed", _("Added to a wallet")
    PASS_REMOVED = "pass_removed", _("Removed from a wallet")
    MESSAGE_SENT = "message_sent", _("Message sent")
    REFERRAL_BONUS = "referral_bonus", _("Referral bonus")
    STAMPS_EXPIRED = "stamps_expired", _("Stamps expired")


# Lines that record what happened to a card without moving it (delta 0; ``cards.ledger.ledger_note``).
INFORMATIONAL_KINDS = frozenset(
    {EventKind.CARD_ISSUED, EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED, EventKind.MESSAGE_SENT}
)

# Lines that can put something open on the card (a ready reward, a voucher, what a merged card held): each counts
# up ``Card.holdings_added`` in the statement that writes it, so the card's answers read its holdings again.
HOLDING_KINDS = frozenset({EventKind.REWARD_ISSUED, EventKind.VOUCHER_ISSUED, EventKind.MERGED_IN})


class CardEvent(TenantModel):
    """One line of the append-only ledger. The card's stamps equal the sum of ``delta`` over its events."""

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    delta = models.IntegerField(default=0)
    stamps_after = models.PositiveIntegerField()
    check_ref = models.ForeignKey(
        Check, on_delete=models.PROTECT, null=True, blank=True, related_name="events", db_column="check_id"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    actor = models.ForeignKey("merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["card", "id"], name="cardevent_card_history"),
            # The journal (``cards.journal``): newest first, whole or narrowed to one kind, location, staff login or
            # channel; a period starts from the day's first instant.
            models.Index(fields=["merchant", "-id"], name="cardevent_journal"),
            models.Index(fields=["merchant", "kind", "-id"], name="cardevent_journal_kind"),
            models.Index(fields=["merchant", "location", "-id"], name="cardevent_journal_location"),
            models.Index(fields=["merchant", "actor", "-id"], name="cardevent_journal_actor"),
            models.Index(fields=["merchant", "channel", "-id"], name="cardevent_journal_channel"),
            models.Index(fields=["merchant", "created_at"], name="cardevent_journal_period"),
            # The customer directory's "stamped at this location" filter probes each listed card's stamps by
            # location from the index alone (``cards.directory``).
            models.Index(fields=["card", "location"], condition=Q(kind="stamp"), name="cardevent_card_stamped_at"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("the card ledger is append-only; record a new event instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("the card ledger is append-only")
