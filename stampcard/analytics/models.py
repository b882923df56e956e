"""Rollups of the card ledger and its neighbours, per merchant, local day, location and staff login.

Every row is derived: ``stampcard.analytics.rollups`` rebuilds a (merchant, local day) from the source tables as a
whole, so a row can always be thrown away and made again. ``location`` and ``actor`` are empty for what happened
at no location or by no staff login (a receipt claim, a customer's own join, a wallet install).
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class RollupDims(TenantModel):
    """The dimensions every rollup row shares: the merchant's local day, where and by whom."""

    day = models.DateField(help_text=_("A calendar day in the merchant's time zone."))
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey("merchants.StaffUser", on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        abstract = True


class DayRollup(RollupDims):
    """Counters of one local day at one location by one staff login. Summable over days, locations and staff."""

    cards_issued = models.PositiveIntegerField(default=0)
    apple_installs = models.PositiveIntegerField(default=0)
    google_installs = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0, help_text=_("Stamping operations (one per check or scan)."))
    returning_visits = models.PositiveIntegerField(default=0, help_text=_("Visits but each card's very first."))
    stamps = models.PositiveIntegerField(default=0)
    stamps_reversed = models.PositiveIntegerField(default=0)
    rewards_reached = models.PositiveIntegerField(default=0)
    rewards_handed_over = models.PositiveIntegerField(default=0)
    vouchers_issued = models.PositiveIntegerField(default=0)
    vouchers_redeemed = models.PositiveIntegerField(default=0)
    vouchers_issued_redeemed = models.PositiveIntegerField(
        default=0, help_text=_("Vouchers issued this day that are redeemed by now (on any day).")
    )
    lottery_draws = models.PositiveIntegerField(default=0)
    receipt_claims_printed = models.PositiveIntegerField(default=0)
    receipt_claims_collected = models.PositiveIntegerField(default=0)
    inserts_printed = models.PositiveIntegerField(default=0)
    inserts_claimed = models.PositiveIntegerField(default=0)

    COUNTERS = (
        "cards_issued",
        "apple_installs",
        "google_installs",
        "visits",
        "returning_visits",
        "stamps",
        "stamps_reversed",
        "rewards_reached",
        "rewards_handed_over",
        "vouchers_issued",
        "vouchers_redeemed",
        "vouchers_issued_redeemed",
        "lottery_draws",
        "receipt_claims_printed",
        "receipt_claims_collected",
        "inserts_printed",
        "inserts_claimed",
    )

    class Meta:
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_day_period")]


class VisitDay(RollupDims):
    """One card's visits on one local day at one location by one staff login: the base of distinct counts.

    Distinct customers are not summable across days (a customer of Monday and Tuesday is one customer of the
    week), so the period's distincts are counted here, over one row per card and day, instead of over the ledger,
    where a card's visit sits beside its rewards, vouchers and draws. ``first_visit`` is 1 on the row holding the
    card's very first visit ever (at any location): a visit is *returning* unless it is that one.
    """

    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    visits = models.PositiveIntegerField(default=0)
    first_visit = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(1)])

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "day"], name="analytics_visit_period"),
            models.Index(fields=["card", "day"], name="analytics_visit_card"),
        ]


class HourRollup(RollupDims):
    """Visits per local hour of one day: the busiest hours, by weekday."""

    weekday = models.PositiveSmallIntegerField(help_text=_("0 = Monday … 6 = Sunday."))
    hour = models.PositiveSmallIntegerField(validators=[MaxValueValidator(23)])
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_hour_period")]


class LotteryRollup(RollupDims):
    """Lottery draws of one day per prize-table line (``LotteryVariant``)."""

    lottery = models.ForeignKey("lottery.Lottery", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("lottery.LotteryVariant", on_delete=models.CASCADE, related_name="+")
    draws = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_lottery_period")]


class ProgressSnapshot(TenantModel):
    """How many cards of a program hold how many stamps now, refreshed with the rollups of the merchant."""

    program = models.ForeignKey("cards.Program", on_delete=models.CASCADE, related_name="+")
    stamps = models.PositiveIntegerField()
    cards = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["merchant", "program"], name="analytics_progress")]


class RollupCursor(models.Model):
    """How far the rollup refresh has read the ledger (the last ``CardEvent`` id) and when it last ran."""

    name = models.CharField(max_length=64, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    ran_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class RoiSettings(TenantModel):
    """What the merchant told us for the return-on-investment estimate, in the merchant's currency."""

    average_check = models.PositiveBigIntegerField(default=0, help_text=_("The average check, in minor units."))
    reward_cost = models.PositiveBigIntegerField(default=0, help_text=_("What one reward costs you, in minor units."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="analytics_roi_one_per_merchant")]


class PeriodCustomers(TenantModel):
    """Distinct customers of one standard period (a day, a week from Monday, a calendar month): their counts and
    the sets of cards themselves, so that any other range or set of locations is the union of a few rows' sets
    (``stampcard.analytics.cardsets``) instead of a count of distinct cards over a month of ``VisitDay`` rows.

    One row per scope: the whole business (``by_location`` and ``by_actor`` false), one location, one staff login,
    or one staff login at one location. A day's row is made from its ``VisitDay`` rows; a week's or a month's is
    the union of its days' rows."""

    kind = models.CharField(max_length=8)
    first = models.DateField()
    by_location = models.BooleanField(default=False)
    by_actor = models.BooleanField(default=False)
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey("merchants.StaffUser", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    active = models.PositiveIntegerField(default=0)
    returning = models.PositiveIntegerField(default=0)
    active_cards = models.BinaryField(default=b"", help_text=_("The active cards' numbers (analytics.cardsets)."))
    returning_cards = models.BinaryField(default=b"", help_text=_("The returning cards' numbers."))

    class Meta:
        indexes = [models.Index(fields=["merchant", "kind", "first"], name="analytics_period_customers")]
