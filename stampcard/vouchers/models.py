"""Vouchers: one-time objects with a redeem code, in a customer's card or free-standing (bearer) for flyers."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from stampcard.core import secretbox
from stampcard.core.benefit import MAX_PERCENT, Benefit, BenefitKind
from stampcard.core.models import TenantModel
from stampcard.vouchers.codes import CodeSource
from stampcard.vouchers.states import VoucherState


class BatchPurpose(models.TextChoices):
    FLYERS = "flyers", _("Flyers")
    EVENT = "event", _("Event")
    COMPENSATION = "compensation", _("Compensation")
    B2B_GIFT = "b2b_gift", _("Business gift")
    OTHER = "other", _("Other")


class VoucherBatch(TenantModel):
    """Free-standing bearer vouchers generated together, e.g. for one print run of flyers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    purpose = models.CharField(max_length=16, choices=BatchPurpose.choices, default=BatchPurpose.OTHER)
    count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("voucher batches")

    def __str__(self) -> str:
        return f"{self.name} ({self.count})"


PUBLIC_TOKEN_PURPOSE = "voucher-public-token"


class Voucher(TenantModel):
    """A one-time voucher. Its lifecycle moves only through ``services.voucher_transition`` on a locked row; the
    constraints below hold the timestamps to the state whatever code writes the row.

    The public link's token (a bearer credential: a flyer's QR) is not stored in clear (``core.secretbox``): its
    SHA-256 finds the voucher of a link, a sealed copy shows the same link again; ``public_token`` reads and sets it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=32, help_text=_("Stored compact: upper case, no spaces or dashes."))
    code_source = models.CharField(
        max_length=16,
        choices=[(s.value, s.value) for s in CodeSource],
        default=CodeSource.GENERATED.value,
    )
    public_token_digest = models.CharField(
        max_length=secretbox.DIGEST_LENGTH,
        unique=True,
        help_text=_("SHA-256 of the unguessable part of the voucher's public link."),
    )
    public_token_sealed = models.CharField(max_length=secretbox.SEALED_MAX_LENGTH, editable=False)
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, null=True, blank=True, related_name="vouchers")
    reward = models.OneToOneField(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="voucher"
    )
    check_ref = models.ForeignKey(
        "cards.Check",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vouchers",
        db_column="check_id",
        help_text=_("The check whose stamps earned this voucher."),
    )
    batch = models.ForeignKey(VoucherBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="vouchers")
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    benefit_kind = models.CharField(max_length=16, choices=BenefitKind.choices, default=BenefitKind.GIFT)
    benefit_value = models.PositiveBigIntegerField(
        default=0, help_text=_("Percent off (1-100), or the amount off in minor units; 0 for a gift.")
    )
    state = models.CharField(max_length=16, choices=VoucherState.choices)
    valid_from = models.DateTimeField()
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The first moment the voucher is no longer valid; empty = unlimited.")
    )
    issued_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a customer took this bearer voucher into a new card.")
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    redeemed_location = models.ForeignKey(
        "merchants.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    redeemed_check_external_id = models.CharField(max_length=64, blank=True)
    redeemed_discount = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=_("What the redemption took off the check, in minor units, when the till said its total."),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True, help_text=_("When the expiry was recorded."))

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["card", "state"], name="voucher_card_state"),
            models.Index(fields=["state", "expires_at"], name="voucher_state_expiry"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "code"], name="voucher_code_unique_per_merchant"),
            models.CheckConstraint(condition=Q(state__in=[s.value for s in VoucherState]), name="voucher_state_known"),
            models.CheckConstraint(
                condition=Q(state="redeemed", redeemed_at__isnull=False)
                | (~Q(state="redeemed") & Q(redeemed_at__isnull=True)),
                name="voucher_redeemed_iff_redeemed_at",
            ),
            models.CheckConstraint(
                condition=Q(state="cancelled", cancelled_at__isnull=False)
                | (~Q(state="cancelled") & Q(cancelled_at__isnull=True)),
                name="voucher_cancelled_iff_cancelled_at",
            ),
            models.CheckConstraint(
                condition=Q(state="expired", expires_at__isnull=False, expired_at__isnull=False)
                | (~Q(state="expired") & Q(expired_at__isnull=True)),
                name="voucher_expired_iff_expired_at",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("valid_from")),
                name="voucher_expires_after_valid_from",
            ),
            models.CheckConstraint(
                condition=Q(redeemed_at__isnull=True)
                | (
                    Q(redeemed_at__gte=F("valid_from"))
                    & (Q(expires_at__isnull=True) | Q(redeemed_at__lt=F("expires_at")))
                ),
                name="voucher_redeemed_within_validity",
            ),
            models.CheckConstraint(
                condition=Q(expired_at__isnull=True) | Q(expired_at__gte=F("expires_at")),
                name="voucher_expired_not_before_expiry",
            ),
            models.CheckConstraint(
                condition=Q(reward__isnull=True) | Q(card__isnull=False), name="voucher_reward_needs_card"
            ),
            models.CheckConstraint(
                condition=Q(benefit_kind="gift", benefit_value=0)
                | Q(benefit_kind="percent", benefit_value__gte=1, benefit_value__lte=MAX_PERCENT)
                | Q(benefit_kind="amount", benefit_value__gte=1),
                name="voucher_benefit_value_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(redeemed_discount__isnull=True) | Q(state="redeemed"),
                name="voucher_discount_only_when_redeemed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.state})"

    @property
    def benefit(self) -> Benefit:
        return Benefit(kind=self.benefit_kind, value=self.benefit_value)

    public_token = secretbox.sealed_token(
        purpose=PUBLIC_TOKEN_PURPOSE, prefix="public_token", doc="The secret part of the voucher's public link."
    )
