"""Receipt claims: a single-use QR printed on a receipt that gives the check's stamps to whoever scans it first.

The claim's bearer token is never stored. The row keeps a SHA-256 of it for lookup (a scanned token is hashed and
looked up), and the token itself is an HMAC of the claim's id under ``SECRET_KEY`` (``receipts.tokens``), so the API
can hand the same token back when a POS reprints a receipt or asks for the claim again. A copy of the database alone
therefore gives no claim away; the secret key together with the database does, as it does for sessions anyway.
"""

import uuid
from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel
from stampcard.receipts.states import ReceiptState, receipt_state


class VoidReason(models.TextChoices):
    REFUSED = "refused", _("The payment was refused")
    CANCELLED = "cancelled", _("The check was cancelled")
    REVERSED = "reversed", _("The purchase was refunded or voided")
    OTHER = "other", _("Withdrawn by the shop")


class ReceiptToken(TenantModel):
    """One claim per (merchant, POS, external id): a reprinted receipt gets the same claim back, never a second one.

    The lifecycle is ``open -> claimed`` or ``open -> void``; ``expired`` is not stored but read from ``expires_at``
    (``states.receipt_state``), so no job has to run for an old claim to stop working. Writes go through
    ``services`` on a row locked with ``locks.receipt_lock``; the constraints below hold the timestamps together.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey("cards.Program", on_delete=models.PROTECT, related_name="receipt_claims")
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pos = models.CharField(max_length=32, default="api")
    external_id = models.CharField(max_length=64)
    total = models.BigIntegerField(help_text=_("Minor units."))
    currency = models.CharField(max_length=3)
    closed_at = models.DateTimeField(null=True, blank=True)
    stamps = models.PositiveIntegerField(help_text=_("Stamps the check earned under the program's rule when printed."))

    token_hash = models.CharField(max_length=64, unique=True, help_text=_("SHA-256 of the bearer token."))
    code = models.CharField(max_length=8, help_text=_("Short code printed under the QR, for staff lookups."))
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    claimed_at = models.DateTimeField(null=True, blank=True)
    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, null=True, blank=True, related_name="receipt_claims"
    )
    check_ref = models.OneToOneField(
        "cards.Check",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt_claim",
        db_column="check_id",
        help_text=_("The check the claim's stamps were committed with."),
    )

    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=16, choices=VoidReason.choices, blank=True)
    voided_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("receipt claim")
        verbose_name_plural = _("receipt claims")
        indexes = [models.Index(fields=["expires_at"], name="receipt_expires")]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "pos", "external_id"], name="receipt_one_claim_per_check"),
            models.UniqueConstraint(fields=["merchant", "code"], name="receipt_code_unique_per_merchant"),
            models.CheckConstraint(condition=Q(total__gte=0), name="receipt_total_not_negative"),
            models.CheckConstraint(
                condition=Q(claimed_at__isnull=True, card__isnull=True, check_ref__isnull=True)
                | Q(claimed_at__isnull=False, card__isnull=False, check_ref__isnull=False),
                name="receipt_claimed_with_card_and_check",
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True, void_reason="") | Q(voided_at__isnull=False) & ~Q(void_reason=""),
                name="receipt_voided_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(claimed_at__isnull=True) | Q(voided_at__isnull=True), name="receipt_claimed_or_voided"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pos}:{self.external_id} ({self.code})"

    def state_at(self, now: datetime) -> ReceiptState:
        return receipt_state(claimed_at=self.claimed_at, voided_at=self.voided_at, expires_at=self.expires_at, now=now)
