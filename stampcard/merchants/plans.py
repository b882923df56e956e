"""What each plan allows. Prices are informational (billing happens outside stampcard)."""

from dataclasses import dataclass

from stampcard.merchants.models import Plan, Subscription


@dataclass(frozen=True)
class PlanLimits:
    monthly_operations: int | None  # None = unlimited
    seats: int | None
    locations: int | None


FREE_MONTHLY_OPERATIONS = 100
FREE_SEATS = 1
FREE_LOCATIONS = 1

# Minor units of EUR, per location.
PAID_PRICE_PER_LOCATION = {"month": 2900, "year": 29000}


def limits_for(subscription: Subscription) -> PlanLimits:
    if subscription.plan == Plan.PAID:
        return PlanLimits(monthly_operations=None, seats=None, locations=subscription.locations_paid)
    return PlanLimits(monthly_operations=FREE_MONTHLY_OPERATIONS, seats=FREE_SEATS, locations=FREE_LOCATIONS)
