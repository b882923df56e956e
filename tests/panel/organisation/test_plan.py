"""Plan & usage: usage against the limit, upgrades refused without a payment provider, downgrades scheduled at the
end of the paid period and recorded, the operator's grant, roles."""

from datetime import timedelta

import pytest
from django.urls import reverse

from stampcard.core import clock
from stampcard.merchants import billing
from stampcard.merchants.models import BillingInterval, Plan, PlanChange, Role, Subscription
from stampcard.merchants.plans import price_per_location

pytestmark = pytest.mark.django_db


def _subscription(shop) -> Subscription:
    return Subscription.objects.get(merchant=shop.merchant)


def test_the_page_shows_usage_seats_locations_and_the_rules(shop, owner_client):
    page = owner_client.get(reverse("panel:plan")).content.decode()
    assert 'data-testid="operations">0 / 100' in page
    assert 'data-testid="seats">3 / 1' in page
    assert 'data-testid="locations-used">1 / 1' in page
    assert "A downgrade applies at the end of the paid period" in page
    assert "Payments are not set up on this server" in page
    assert "EUR 29 a month or EUR 290 a year" in page


def test_prices_are_read_from_settings(settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "PLAN_PRICE_MONTH_MINOR": 3150}
    assert price_per_location(BillingInterval.MONTH).amount == 3150


def test_an_upgrade_is_refused_without_a_payment_provider(shop, owner_client):
    response = owner_client.post(reverse("panel:plan"), {"plan": "paid", "interval": "month", "locations": "1"})
    assert response.status_code == 200
    assert "operator of this server can grant a paid plan" in str(response.context["form"].non_field_errors())
    assert _subscription(shop).plan == Plan.FREE
    change = PlanChange.objects.get(merchant=shop.merchant)
    assert change.cancelled_at is not None and change.applied_at is None


def test_no_provider_refuses_with_a_stable_code():
    with pytest.raises(billing.PaymentsNotConfigured) as refused:
        billing.NoProvider().checkout(change=PlanChange(), price=price_per_location("month"))
    assert refused.value.code == "payments_not_configured"


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"plan": "paid", "locations": "1"}, "interval"),
        ({"plan": "paid", "interval": "year"}, "locations"),
        ({"plan": "gold"}, "plan"),
        ({"plan": "paid", "interval": "month", "locations": "0"}, "locations"),
    ],
)
def test_bad_plan_input_is_refused(shop, owner_client, fields, error_field):
    response = owner_client.post(reverse("panel:plan"), fields)
    assert response.context["form"].errors[error_field]
    assert not PlanChange.objects.exists()


def test_the_operator_grants_a_paid_plan_and_it_is_recorded(shop):
    admin_user = shop.staff[Role.OWNER].membership.user
    change = billing.plan_grant(merchant=shop.merchant, interval=BillingInterval.YEAR, locations=2, by=admin_user)
    subscription = _subscription(shop)
    assert (subscription.plan, subscription.interval, subscription.locations_paid) == ("paid", "year", 2)
    assert subscription.current_period_end is not None
    assert (change.from_plan, change.to_plan, change.source) == ("free", "paid", "operator")
    assert change.applied_at is not None


def test_a_downgrade_waits_for_the_end_of_the_paid_period(shop, owner_client):
    billing.plan_grant(merchant=shop.merchant, interval=BillingInterval.MONTH, locations=1, by=None)
    end = _subscription(shop).current_period_end
    response = owner_client.post(reverse("panel:plan"), {"plan": "free"})
    assert response.status_code == 302
    assert _subscription(shop).plan == Plan.PAID
    scheduled = PlanChange.objects.get(to_plan="free")
    assert scheduled.effective_at == end and scheduled.applied_at is None
    assert scheduled.requested_by == shop.staff[Role.OWNER].membership.user
    assert "Scheduled" in owner_client.get(reverse("panel:plan")).content.decode()
    # Past the end of the period, the due change applies (the hourly task, or opening the page).
    Subscription.objects.filter(merchant=shop.merchant).update(current_period_end=clock.now() - timedelta(days=1))
    PlanChange.objects.filter(pk=scheduled.pk).update(effective_at=clock.now() - timedelta(days=1))
    assert billing.plan_changes_apply_due() == 1
    subscription = _subscription(shop)
    assert (subscription.plan, subscription.interval, subscription.locations_paid) == ("free", "", 0)
    assert billing.plan_changes_apply_due() == 0


def test_a_downgrade_without_a_paid_period_applies_at_once(shop, owner_client):
    billing.plan_grant(merchant=shop.merchant, interval=BillingInterval.MONTH, locations=1, by=None)
    Subscription.objects.filter(merchant=shop.merchant).update(current_period_end=None)
    owner_client.post(reverse("panel:plan"), {"plan": "free"})
    assert _subscription(shop).plan == Plan.FREE
    assert PlanChange.objects.get(to_plan="free").applied_at is not None


def test_a_plan_covering_fewer_locations_than_active_is_refused(shop, owner_client):
    billing.plan_grant(merchant=shop.merchant, interval=BillingInterval.MONTH, locations=2, by=None)
    shop.merchant.locations.create(merchant=shop.merchant, name="Second")
    response = owner_client.post(reverse("panel:plan"), {"plan": "free"})
    assert "Deactivate some first" in str(response.context["form"].non_field_errors())


def test_the_same_plan_is_refused(shop, owner_client):
    response = owner_client.post(reverse("panel:plan"), {"plan": "free"})
    assert "your plan already" in str(response.context["form"].non_field_errors())


def test_only_owners_see_the_plan(manager_client, cashier_client):
    assert manager_client.get(reverse("panel:plan")).status_code == 403
    assert cashier_client.post(reverse("panel:plan"), {"plan": "free"}).status_code == 403


# What the page sends without its script: the paid-only fields as they stood, whatever they say.
@pytest.mark.parametrize(
    "paid_fields", [{}, {"interval": "weekly", "locations": "0"}, {"interval": "year", "locations": "3"}]
)
def test_billing_and_locations_are_ignored_when_the_free_plan_is_chosen(shop, owner_client, paid_fields):
    billing.plan_grant(merchant=shop.merchant, interval=BillingInterval.MONTH, locations=1, by=None)
    Subscription.objects.filter(merchant=shop.merchant).update(current_period_end=None)

    response = owner_client.post(reverse("panel:plan"), {"plan": "free", **paid_fields})

    assert response.status_code == 302
    subscription = _subscription(shop)
    assert (subscription.plan, subscription.interval, subscription.locations_paid) == ("free", "", 0)
    change = PlanChange.objects.get(to_plan="free")
    assert (change.to_interval, change.to_locations) == ("", 0)


def test_the_paid_only_fields_are_marked_for_the_page_script(owner_client):
    page = owner_client.get(reverse("panel:plan")).content.decode()
    paid_only = page[page.index("data-plan-paid") :]
    assert paid_only.index('name="interval"') < paid_only.index('name="locations"') < paid_only.index("</form>")
