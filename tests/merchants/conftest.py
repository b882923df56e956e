"""Fixtures for tenancy tests: merchants built through the services, on each plan."""

import pytest

from stampcard.merchants import services
from stampcard.merchants.models import BillingInterval, Merchant, Plan, StaffUser
from tests.factories import StaffUserFactory


@pytest.fixture
def owner_user(db) -> StaffUser:
    return StaffUserFactory(email="owner@example.com")


@pytest.fixture
def free_merchant(owner_user) -> Merchant:
    """A merchant as sign-up makes it: free plan, the owner's membership taking the one seat."""
    return services.merchant_create(name="Kava", owner=owner_user)


@pytest.fixture
def paid_merchant(owner_user) -> Merchant:
    merchant = services.merchant_create(name="Kava Group", owner=owner_user)
    services.subscription_change(merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=3)
    return merchant
