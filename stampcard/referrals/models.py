"""Referral: a card's personal invitation link, the program's referral setting, and one row per invited friend.

A friend counts once (one ``Referral`` per friend customer). Its lifecycle (``states``) runs joined -> qualified
(the friend's first paid visit) -> rewarded, or ends refused with a reason code at join time; a refusal for abuse
(self-referral, farms) is ``flagged`` for the merchant to review.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel, TimestampedModel


class ReferralMode(models.TextChoices):
    OFF = "off", _("Off")
    REFERRER = "referrer", _("The customer who invites")
    FRIEND = "friend", _("The invited friend")
    BOTH = "both", _("Both")


class ReferralRewardKind(models.TextChoices):
    STAMPS = "stamps", _("Bonus stamps")
    VOUCHER = "voucher", _("A voucher")


class ReferralSettings(TimestampedModel):
    """A program's referral setting. No row means off, so programs made before referrals existed stay off."""

    program = models.OneToOneField("cards.Program", on_delete=models.CASCADE, related_name="referral_settings")
    mode = models.CharField(max_length=16, choices=ReferralMode.choices, default=ReferralMode.OFF)
    reward_kind = models.CharField(max_length=16, choices=ReferralRewardKind.choices, default=ReferralRewardKind.STAMPS)
    reward_stamps = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    voucher_title = models.CharField(max_length=100, blank=True)
    voucher_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(reward_kind="voucher") | ~Q(voucher_title=""), name="referral_voucher_needs_title"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}: {self.mode}"

    @property
    def is_on(self) -> bool:
        return self.mode != ReferralMode.OFF


class ReferralCode(TimestampedModel):
    """A card's personal referral code, made on first use and never changed (a shared link keeps working).

    Random and unguessable (60 bits, Crockford base32), and unrelated to the card's number or QR payload: it is
    handed to strangers, so it must not let anyone find, stamp or open the card."""

    card = models.OneToOneField("cards.Card", on_delete=models.CASCADE, related_name="referral_code")
    code = models.CharField(max_length=16, unique=True)

    def __str__(self) -> str:
        return self.code


class ReferralState(models.TextChoices):
    JOINED = "joined", _("Joined")
    QUALIFIED = "qualified", _("First visit made")
    REWARDED = "rewarded", _("Rewarded")
    REFUSED = "refused", _("Refused")


class RefusalReason(models.TextChoices):
    SELF_REFERRAL = "self_referral", _("The customer invited themselves")
    NOT_NEW = "not_new", _("Already a customer under another spelling")
    DEVICE_FARM = "device_farm", _("Too many invitations joined from one device")
    IP_FARM = "ip_farm", _("Too many invitations joined from one network address")
    EMAIL_FARM = "email_farm", _("Near-identical emails among one customer's invitations")


class Referral(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey("cards.Program", on_delete=models.CASCADE, related_name="+")
    referrer_card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="referrals_made")
    friend_card = models.OneToOneField("cards.Card", on_delete=models.CASCADE, related_name="referral")
    friend_customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="referral",
        help_text=_("A friend counts once, whatever program they joined through."),
    )
    state = models.CharField(max_length=16, choices=ReferralState.choices, default=ReferralState.JOINED)
    refusal = models.CharField(max_length=24, choices=RefusalReason.choices, blank=True)
    flagged = models.BooleanField(default=False, help_text=_("Refused as abuse: shown to the merchant to review."))
    # What the abuse checks compare: digests, never the device id, address or email itself (nothing here to erase).
    device_digest = models.CharField(max_length=64, blank=True)
    ip_digest = models.CharField(max_length=64, blank=True)
    email_digest = models.CharField(
        max_length=64, blank=True, help_text=_("Digest of the friend's email without tags or dots.")
    )
    near_digest = models.CharField(
        max_length=64, blank=True, help_text=_("Digest of that email without the digits that end its name, too.")
    )
    mode = models.CharField(
        max_length=16, choices=ReferralMode.choices, help_text=_("Who gets the reward, as the program said at join.")
    )
    qualifying_check = models.ForeignKey(
        "cards.Check", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    qualified_at = models.DateTimeField(null=True, blank=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state="refused", refusal__gt="") | (~Q(state="refused") & Q(refusal="")),
                name="referral_refusal_iff_refused",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "device_digest", "created_at"], name="referral_by_device"),
            models.Index(fields=["merchant", "ip_digest", "created_at"], name="referral_by_ip"),
            models.Index(fields=["merchant", "flagged", "reviewed_at"], name="referral_flags"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_card_id} -> {self.friend_card_id}: {self.state}"
