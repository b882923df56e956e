"""Lotteries (the "wheel of fortune"): prize tables, per-period seed commitments, draws and prize counters.

A lottery's prize table is frozen once it has draws (see ``services.lottery_update``); every draw also keeps a
snapshot of the table and of the caps in force, so it stays verifiable whatever happens to the lottery later.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel

# Probabilities are integers in parts per million: 1_000_000 is 100%, 1 is 0.0001%. Exact, so "totals 100%" is exact.
PROBABILITY_SCALE = 1_000_000


class DrawAt(models.TextChoices):
    CHECKOUT = "checkout", _("At the checkout, as soon as the reward is reached")
    CUSTOMER = "customer", _("Later: the reward waits for the customer (or staff) to spin")


class VariantKind(models.TextChoices):
    AWARD = "award", _("Award (a gift handed over at the counter)")
    VOUCHER = "voucher", _("Voucher (a one-time code in the card)")
    EXTRA_TRY = "extra_try", _("Extra try (spin once more)")
    NOTHING = "nothing", _("Nothing")


class Lottery(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    draw_at = models.CharField(max_length=16, choices=DrawAt.choices, default=DrawAt.CHECKOUT)
    version = models.PositiveIntegerField(default=1, help_text=_("Raised on every change of the prize table."))

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = _("lotteries")

    def __str__(self) -> str:
        return self.name


class LotteryVariant(TenantModel):
    """One slice of the wheel. Configuration, plus the running count of prizes given (for the total cap)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=VariantKind.choices)
    name = models.CharField(max_length=100)
    greeting = models.TextField(blank=True)
    probability_ppm = models.PositiveIntegerField(help_text=_("Parts per million: 1000000 is 100%."))
    daily_cap = models.PositiveIntegerField(null=True, blank=True)
    total_cap = models.PositiveIntegerField(null=True, blank=True)
    voucher = models.JSONField(
        null=True, blank=True, help_text=_('Voucher terms: {"title", "description", "validity"}.')
    )
    wins_total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["lottery", "position"]
        constraints = [
            models.UniqueConstraint(fields=["lottery", "position"], name="lottery_variant_position_unique"),
            models.CheckConstraint(
                condition=Q(probability_ppm__lte=PROBABILITY_SCALE), name="lottery_variant_probability_range"
            ),
            models.CheckConstraint(
                condition=Q(total_cap__isnull=True) | Q(wins_total__lte=models.F("total_cap")),
                name="lottery_variant_total_cap_holds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LotteryDailyWins(models.Model):
    """Prizes of one variant given on one day (the merchant's local calendar day), for the daily cap."""

    variant = models.ForeignKey(LotteryVariant, on_delete=models.CASCADE, related_name="daily_wins")
    day = models.DateField()
    wins = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["variant", "day"], name="lottery_daily_wins_unique")]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.day}: {self.wins}"


class LotterySeed(TenantModel):
    """The server seed of one lottery for one period (a UTC day).

    ``commitment`` = sha256(seed) is public from creation; the seed itself is shown only once ``ends_at`` has
    passed, when no draw can use it any more. ``next_sequence`` numbers the period's draws; draws lock this row.
    """

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="seeds")
    period = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    seed = models.CharField(max_length=64, help_text=_("Hex; secret until the period has ended."))
    commitment = models.CharField(max_length=64)
    next_sequence = models.PositiveIntegerField(default=1)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lottery", "period"]
        constraints = [models.UniqueConstraint(fields=["lottery", "period"], name="lottery_seed_one_per_period")]

    def __str__(self) -> str:
        return f"{self.lottery_id}:{self.period}"


class LotteryDraw(TenantModel):
    """One spin. ``inputs`` are exactly the public inputs the roll was computed from (see docs/lottery-fairness.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lottery = models.ForeignKey(Lottery, on_delete=models.PROTECT, related_name="draws")
    seed = models.ForeignKey(LotterySeed, on_delete=models.PROTECT, related_name="draws")
    sequence = models.PositiveIntegerField()
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="lottery_draws")
    reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="lottery_draws"
    )
    retry_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    check_ref = models.ForeignKey(
        "cards.Check", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_column="check_id"
    )
    commitment = models.CharField(max_length=64)
    inputs = models.JSONField()
    snapshot = models.JSONField(help_text=_("The prize table as drawn with: names, greetings, caps and counts."))
    roll = models.PositiveIntegerField()
    variant = models.ForeignKey(LotteryVariant, on_delete=models.PROTECT, related_name="draws")
    outcome = models.CharField(max_length=16, choices=VariantKind.choices)
    prize_reward = models.ForeignKey(
        "rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="won_in_draws"
    )
    prize_voucher_code = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["seed", "sequence"], name="lottery_draw_sequence_unique"),
            models.CheckConstraint(condition=Q(roll__lt=PROBABILITY_SCALE), name="lottery_draw_roll_range"),
        ]
        indexes = [models.Index(fields=["card", "created_at"], name="lottery_draw_card")]

    def __str__(self) -> str:
        return str(self.id)
