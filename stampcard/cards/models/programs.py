"""Programs: the stamp card a merchant designs, the versions of its rules, and its public join slug."""

import uuid
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel, TimestampedModel

_hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f2937."))


class EarningRule(models.TextChoices):
    PER_RECEIPT = "per_receipt", _("Stamps per receipt")
    PER_AMOUNT = "per_amount", _("One stamp per amount spent")


class StampingMode(models.TextChoices):
    CASHIER = "cashier", _("The cashier identifies the customer")
    RECEIPT_QR = "receipt_qr", _("The customer scans a QR on the receipt")


class StampIcon(models.TextChoices):
    """The built-in stamp pictures the wallets draw (``stampcard.wallet.stamps``)."""

    TICK = "tick", _("Tick")
    COFFEE = "coffee", _("Coffee cup")
    CROISSANT = "croissant", _("Croissant")
    SCISSORS = "scissors", _("Scissors")
    STAR = "star", _("Star")
    HEART = "heart", _("Heart")
    PAW = "paw", _("Paw")


class RewardKind(models.TextChoices):
    AWARD = "award", _("Award (a gift handed over at the counter)")
    VOUCHER = "voucher", _("Voucher (a one-time code in the card)")
    LOTTERY = "lottery", _("Lottery (a draw for a prize)")


class ProgramRules(models.Model):
    """What a card's stamps are worth and what they turn into: the part of a program that is versioned.

    ``milestones`` lists the goals on one card in order, e.g. 3 -> small gift, 6 -> medium, 9 -> final; the card
    resets after the last. Empty means one goal: ``goal`` with the ``reward_*`` fields. See ``cards.milestones``.
    """

    goal = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    earning_rule = models.CharField(max_length=16, choices=EarningRule.choices, default=EarningRule.PER_RECEIPT)
    stamps_per_receipt = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    amount_per_stamp = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("Minor units per stamp for the per-amount rule, e.g. 10000 = 100.00.")
    )
    min_check_total = models.PositiveBigIntegerField(default=0, help_text=_("Checks below this earn nothing."))
    max_stamps_per_check = models.PositiveSmallIntegerField(null=True, blank=True)

    reward_kind = models.CharField(max_length=16, choices=RewardKind.choices, default=RewardKind.AWARD)
    reward_title = models.CharField(max_length=100)
    reward_description = models.TextField(blank=True)
    milestones = models.JSONField(
        default=list, blank=True, help_text=_("Several goals on one card; empty for a single goal.")
    )

    RULE_FIELDS = (
        "goal",
        "earning_rule",
        "stamps_per_receipt",
        "amount_per_stamp",
        "min_check_total",
        "max_stamps_per_check",
        "reward_kind",
        "reward_title",
        "reward_description",
        "milestones",
    )

    class Meta:
        abstract = True

    def milestone_list(self) -> list[dict[str, Any]]:
        """The goals of one cycle in order; the last one resets the card."""
        if self.milestones:
            return list(self.milestones)
        return [
            {
                "at": self.goal,
                "kind": self.reward_kind,
                "title": self.reward_title,
                "description": self.reward_description,
            }
        ]

    def rules_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.RULE_FIELDS}


class Program(ProgramRules, TenantModel):
    """The stamp card a merchant designs: how stamps are earned and what they turn into.

    Changing the rules of a running program makes a new ``ProgramVersion``; cards keep the version they joined with
    until the merchant regenerates them (``cards.versions``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, help_text=_("Used when an enrolment names no program."))
    version = models.PositiveIntegerField(default=1)
    stamping_mode = models.CharField(max_length=16, choices=StampingMode.choices, default=StampingMode.CASHIER)

    background_color = models.CharField(max_length=7, default="#1f2937", validators=[_hex_colour])
    foreground_color = models.CharField(max_length=7, default="#ffffff", validators=[_hex_colour])
    label_color = models.CharField(max_length=7, default="#fbbf24", validators=[_hex_colour])
    logo = models.ImageField(upload_to="logos/", blank=True)
    stamp_icon = models.CharField(
        max_length=16,
        choices=StampIcon.choices,
        default=StampIcon.TICK,
        help_text=_("The picture of a stamp on the card; an uploaded picture replaces it."),
    )
    stamp_image = models.ImageField(
        upload_to="stamps/", blank=True, help_text=_("Your own picture of a collected stamp (PNG, square).")
    )
    stamp_empty_image = models.ImageField(
        upload_to="stamps/", blank=True, help_text=_("Your own picture of a stamp still to collect (PNG, square).")
    )
    strip_image = models.ImageField(
        upload_to="strips/",
        blank=True,
        help_text=_("A picture behind the stamps (Apple's strip, Google's hero), e.g. your counter or product."),
    )

    # Receipt claims (stampcard.receipts): how long the QR printed on a receipt can be scanned.
    receipt_claim_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    # Self-service channels (kiosk, autopilot): what stops a guest from stamping their own card too often
    # (stampcard.scanner.abuse). Not versioned: they guard the channel, not what a stamp is worth.
    selfservice_stamps_per_visit = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Stamps a self-service scan gives when there is no check amount."),
    )
    selfservice_visit_window_minutes = models.PositiveIntegerField(
        default=180,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_("At most one self-service stamp per card per location within this window; 0 turns it off."),
    )
    selfservice_daily_cap = models.PositiveSmallIntegerField(
        default=3, help_text=_("Self-service stamps per card per day (merchant's time zone); 0 means no cap.")
    )
    selfservice_device_scans_per_minute = models.PositiveSmallIntegerField(
        default=20, help_text=_("Scans one paired device may make per minute; 0 means no limit.")
    )
    selfservice_voucher_cooldown_minutes = models.PositiveIntegerField(
        default=30,
        help_text=_(
            "After a voucher is redeemed, the card waits this long before the next self-service "
            "stamp or redemption; 0 turns it off."
        ),
    )
    alert_refusals_per_day = models.PositiveSmallIntegerField(
        default=5, help_text=_("Refused self-service scans of one card in a day that raise an alert; 0 turns it off.")
    )
    alert_stamps_per_day = models.PositiveSmallIntegerField(
        default=6, help_text=_("Stamps on one card in a day, from any channel, that raise an alert; 0 turns it off.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(earning_rule="per_amount") | Q(amount_per_stamp__gt=0),
                name="program_per_amount_needs_amount",
            ),
            models.CheckConstraint(condition=Q(goal__gte=1), name="program_goal_positive"),
            models.UniqueConstraint(fields=["merchant"], condition=Q(is_default=True), name="program_one_default"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgramVersion(ProgramRules, TenantModel):
    """The rules of a program as they were from one change to the next, with who changed what."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    changes = models.JSONField(
        default=dict, blank=True, help_text=_("Field -> [before, after] against the last version.")
    )
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["program", "number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="program_version_unique")]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.number}"


class ProgramLink(TimestampedModel):
    """A program's short public slug, for its join page and QR (``cards.links.join_url``).

    A shorter URL is a smaller QR, which matters on a 5x5 cm label; the program's UUID works too. Made on first use,
    never changed, so a printed QR keeps working. The table keeps the name it had under the customer pages' app.
    """

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="join_link")
    slug = models.CharField(max_length=16, unique=True)

    class Meta:
        db_table = "join_programlink"

    def __str__(self) -> str:
        return self.slug
