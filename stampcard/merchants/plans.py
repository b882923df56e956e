"""What each plan allows. Prices are informational (billing happens outside stampcard)."""

from dataclasses import dataclass

from django.conf import settings

from stampcard.merchants.models import BillingInterval, Plan, Subscription


@dataclass(frozen=True)
class PlanLimits:
    monthly_operations: int | None  # None = unlimited
    seats: int | None
    locations: int | None


FREE_MONTHLY_OPERATIONS = 100
FREE_SEATS = 1
FREE_LOCATIONS = 1

# Minor units of EUR, per location; the operator sets them in settings.STAMPCARD (PLAN_PRICE_*).
PAID_PRICE_PER_LOCATION = {"month": 2900, "year": 29000}
PLAN_PRICE_CURRENCY = "EUR"


@dataclass(frozen=True)
class Price:
    amount: int  # minor units
    currency: str

    @property
    def major(self) -> str:
        return f"{self.amount // 100}" if self.amount % 100 == 0 else f"{self.amount / 100:.2f}"


def price_per_location(interval: BillingInterval | str) -> Price:
    """The paid plan's price of one location for one ``interval``, as the operator set it."""
    knobs = settings.STAMPCARD
    amount = knobs.get(f"PLAN_PRICE_{str(interval).upper()}_MINOR", PAID_PRICE_PER_LOCATION[str(interval)])
    return Price(amount=int(amount), currency=PLAN_PRICE_CURRENCY)


def limits_for(subscription: Subscription) -> PlanLimits:
    if subscription.plan == Plan.PAID:
        return PlanLimits(monthly_operations=None, seats=None, locations=subscription.locations_paid)
    return PlanLimits(monthly_operations=FREE_MONTHLY_OPERATIONS, seats=FREE_SEATS, locations=FREE_LOCATIONS)
