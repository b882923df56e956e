"""Plans: what free and paid allow (seats, locations, monthly operations) and how a subscription changes."""

import pytest
from django.db import IntegrityError

from stampcard.core.errors import Conflict, ValidationFailed
from stampcard.merchants import errors, services
from stampcard.merchants.models import BillingInterval, Location, Membership, Plan, Role, Subscription
from stampcard.merchants.plans import FREE_MONTHLY_OPERATIONS, PlanLimits, limits_for
from tests.conftest import reload
from tests.factories import StaffUserFactory


def test_a_new_merchant_is_on_the_free_plan_with_its_owner_in_the_one_seat(free_merchant, owner_user):
    subscription = Subscription.objects.get(merchant=free_merchant)

    assert (subscription.plan, subscription.interval, subscription.locations_paid) == (Plan.FREE, "", 0)
    assert Membership.objects.get(merchant=free_merchant).user == owner_user
    assert Membership.objects.get(merchant=free_merchant).role == Role.OWNER


def test_the_free_plan_allows_100_operations_a_month_one_seat_and_one_location(free_merchant):
    limits = limits_for(free_merchant.subscription)

    assert FREE_MONTHLY_OPERATIONS == 100
    assert limits == PlanLimits(monthly_operations=100, seats=1, locations=1)


def test_the_paid_plan_has_no_operation_cap_no_seat_cap_and_the_locations_paid_for(paid_merchant):
    limits = limits_for(Subscription.objects.get(merchant=paid_merchant))

    assert limits == PlanLimits(monthly_operations=None, seats=None, locations=3)


# -- seats ---------------------------------------------------------------------------------------------------------


def test_the_free_plan_refuses_a_second_active_membership(free_merchant):
    newcomer = StaffUserFactory()

    with pytest.raises(errors.SeatLimitReached) as refused:
        services.membership_create(merchant=free_merchant, user=newcomer, role=Role.CASHIER)

    assert refused.value.code == "plan_seat_limit_reached"
    assert refused.value.status == 429
    assert refused.value.details == {"seats": 1}
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_deactivated_membership_frees_its_seat(free_merchant, owner_user):
    Membership.objects.filter(merchant=free_merchant, user=owner_user).update(is_active=False)

    membership = services.membership_create(merchant=free_merchant, user=StaffUserFactory(), role=Role.OWNER)

    assert membership.is_active
    assert Membership.objects.filter(merchant=free_merchant, is_active=True).count() == 1


def test_the_paid_plan_takes_as_many_staff_as_needed(paid_merchant):
    for role in (Role.MANAGER, Role.CASHIER, Role.CASHIER, Role.CASHIER):
        services.membership_create(merchant=paid_merchant, user=StaffUserFactory(), role=role)

    assert Membership.objects.filter(merchant=paid_merchant, is_active=True).count() == 5


def test_seats_are_counted_per_merchant(free_merchant):
    other = services.merchant_create(name="Other cafe", owner=StaffUserFactory())

    assert Membership.objects.filter(merchant=other).count() == 1
    with pytest.raises(errors.SeatLimitReached):
        services.membership_create(merchant=free_merchant, user=StaffUserFactory(), role=Role.CASHIER)


def test_downgrading_to_free_refuses_new_seats_again(paid_merchant):
    services.membership_create(merchant=paid_merchant, user=StaffUserFactory(), role=Role.CASHIER)
    services.subscription_change(merchant=paid_merchant, plan=Plan.FREE)

    with pytest.raises(errors.SeatLimitReached):
        services.membership_create(merchant=paid_merchant, user=StaffUserFactory(), role=Role.CASHIER)


# -- locations -----------------------------------------------------------------------------------------------------


def test_the_free_plan_has_one_location(free_merchant):
    services.location_create(merchant=free_merchant, name="Khreshchatyk 1")

    with pytest.raises(errors.LocationLimitReached) as refused:
        services.location_create(merchant=free_merchant, name="Podil")

    assert refused.value.code == "plan_location_limit_reached" and refused.value.status == 429
    assert refused.value.details == {"limit": 1}
    assert list(Location.objects.filter(merchant=free_merchant).values_list("name", flat=True)) == ["Khreshchatyk 1"]


def test_the_paid_plan_has_as_many_locations_as_paid_for(paid_merchant):
    for n in range(3):
        services.location_create(merchant=paid_merchant, name=f"Spot {n}")

    with pytest.raises(errors.LocationLimitReached) as refused:
        services.location_create(merchant=paid_merchant, name="Spot 4")

    assert refused.value.details == {"limit": 3}
    assert Location.objects.filter(merchant=paid_merchant).count() == 3


def test_paying_for_more_locations_allows_more(paid_merchant):
    for n in range(3):
        services.location_create(merchant=paid_merchant, name=f"Spot {n}")

    services.subscription_change(merchant=paid_merchant, plan=Plan.PAID, interval=BillingInterval.YEAR, locations=4)

    assert services.location_create(merchant=paid_merchant, name="Spot 4").merchant == paid_merchant


def test_a_deactivated_location_frees_its_slot(free_merchant):
    first = services.location_create(merchant=free_merchant, name="Old spot")
    Location.objects.filter(pk=first.pk).update(is_active=False)

    assert services.location_create(merchant=free_merchant, name="New spot").is_active


def test_locations_are_counted_per_merchant(free_merchant):
    other = services.merchant_create(name="Other cafe", owner=StaffUserFactory())
    services.location_create(merchant=other, name="Theirs")

    assert services.location_create(merchant=free_merchant, name="Ours").merchant == free_merchant


# -- subscription changes ------------------------------------------------------------------------------------------


def test_upgrading_records_the_interval_and_the_locations_paid_for(free_merchant):
    subscription = services.subscription_change(
        merchant=free_merchant, plan=Plan.PAID, interval=BillingInterval.YEAR, locations=2
    )

    assert (subscription.plan, subscription.interval, subscription.locations_paid) == (Plan.PAID, "year", 2)
    assert limits_for(Subscription.objects.get(merchant=free_merchant)).monthly_operations is None


def test_downgrading_clears_the_billing_interval_and_locations(paid_merchant):
    subscription = services.subscription_change(
        merchant=paid_merchant, plan=Plan.FREE, interval=BillingInterval.MONTH, locations=5
    )

    assert (subscription.plan, subscription.interval, subscription.locations_paid) == (Plan.FREE, "", 0)


@pytest.mark.parametrize(
    ("interval", "locations", "code"),
    [
        (None, 1, "invalid_interval"),
        (BillingInterval.MONTH, 0, "invalid_locations"),
    ],
)
def test_a_paid_plan_needs_an_interval_and_at_least_one_location(free_merchant, interval, locations, code):
    with pytest.raises(ValidationFailed) as refused:
        services.subscription_change(merchant=free_merchant, plan=Plan.PAID, interval=interval, locations=locations)

    assert refused.value.code == code
    assert reload(free_merchant.subscription).plan == Plan.FREE


def test_the_database_also_refuses_a_paid_plan_without_an_interval(free_merchant):
    with pytest.raises(IntegrityError):
        Subscription.objects.filter(merchant=free_merchant).update(plan=Plan.PAID, interval="", locations_paid=1)


def test_adding_someone_already_on_the_staff_is_a_conflict(paid_merchant):
    user = StaffUserFactory()
    services.membership_create(merchant=paid_merchant, user=user, role=Role.CASHIER)

    with pytest.raises(Conflict) as refused:
        services.membership_create(merchant=paid_merchant, user=user, role=Role.MANAGER)

    assert refused.value.code == "membership_exists"


def test_someone_who_left_comes_back_on_the_same_membership_with_the_new_role(paid_merchant):
    user = StaffUserFactory()
    first = services.membership_create(merchant=paid_merchant, user=user, role=Role.CASHIER)
    Membership.objects.filter(pk=first.pk).update(is_active=False)

    again = services.membership_create(merchant=paid_merchant, user=user, role=Role.MANAGER)

    assert again.pk == first.pk and (again.role, again.is_active) == (Role.MANAGER, True)
    assert reload(again).is_active
