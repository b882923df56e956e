"""Two sign-ups racing for one email make one login and one business, on PostgreSQL with real threads."""

import pytest

from stampcard.core.errors import Conflict
from stampcard.core.testing import run_concurrently
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import BusinessType, Location, Membership, Merchant, StaffUser, Subscription

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_sign_ups_with_one_email_make_one_business(db):
    def sign_up(i: int) -> Merchant:
        return merchants_services.merchant_sign_up(
            email="olena@example.com",
            password="amber-kettle-41-violet",
            full_name="Olena",
            name=f"Kava {i}",
            business_type=BusinessType.CAFE,
            country="UA",
            currency="UAH",
            timezone="Europe/Kyiv",
            locale="uk",
        )

    outcomes = run_concurrently(sign_up, n=6)

    assert sum(outcome.ok for outcome in outcomes) == 1
    assert all(isinstance(outcome.error, Conflict) for outcome in outcomes if not outcome.ok)
    assert StaffUser.objects.count() == 1
    assert Merchant.objects.count() == Subscription.objects.count() == Location.objects.count() == 1
    assert Membership.objects.count() == 1
