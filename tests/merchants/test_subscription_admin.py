"""An operator switches a merchant's plan in the admin (the merchant page's subscription inline)."""

import pytest
from django.urls import reverse

from stampcard.merchants.models import BillingInterval, Merchant, Plan, StaffUser, Subscription
from tests.conftest import reload


@pytest.fixture
def operator_client(client, db):
    client.force_login(StaffUser.objects.create_superuser(email="operator@example.com", password="long enough 42 x"))
    return client


def _post_plan(client, merchant: Merchant, *, plan: str, interval: str, locations: int):
    url = reverse("admin:merchants_merchant_change", args=[merchant.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name != "id"}
    data["timezone"] = str(merchant.timezone)
    subscription = merchant.subscription
    data.update(
        {
            "subscription-TOTAL_FORMS": "1",
            "subscription-INITIAL_FORMS": "1",
            "subscription-MIN_NUM_FORMS": "0",
            "subscription-MAX_NUM_FORMS": "1",
            "subscription-0-id": str(subscription.pk),
            "subscription-0-merchant": str(merchant.pk),
            "subscription-0-plan": plan,
            "subscription-0-interval": interval,
            "subscription-0-locations_paid": str(locations),
            "subscription-0-current_period_end_0": "",
            "subscription-0-current_period_end_1": "",
            "locations-TOTAL_FORMS": "0",
            "locations-INITIAL_FORMS": "0",
            "locations-MIN_NUM_FORMS": "0",
            "locations-MAX_NUM_FORMS": "1000",
        }
    )
    return client.post(url, data)


def test_switching_a_paid_subscription_to_free_in_the_admin_clears_its_billing(operator_client, paid_merchant):
    # given a paid plan (monthly, 3 locations); the operator only flips the plan, as a person would
    response = _post_plan(operator_client, paid_merchant, plan=Plan.FREE, interval=BillingInterval.MONTH, locations=3)

    assert response.status_code == 302, _errors(response)
    subscription = Subscription.objects.get(merchant=paid_merchant)
    assert (subscription.plan, subscription.interval, subscription.locations_paid) == (Plan.FREE, "", 0)


def test_switching_free_to_paid_in_the_admin_keeps_the_shape(operator_client, free_merchant):
    response = _post_plan(operator_client, free_merchant, plan=Plan.PAID, interval=BillingInterval.YEAR, locations=2)

    assert response.status_code == 302, _errors(response)
    subscription = reload(free_merchant.subscription)
    assert (subscription.plan, subscription.interval, subscription.locations_paid) == (Plan.PAID, "year", 2)


def test_a_paid_plan_without_an_interval_is_refused_on_the_field_not_as_a_constraint(operator_client, free_merchant):
    response = _post_plan(operator_client, free_merchant, plan=Plan.PAID, interval="", locations=0)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert set(errors) == {"interval", "locations_paid"}
    assert "subscription_plan_shape" not in response.content.decode()
    assert reload(free_merchant.subscription).plan == Plan.FREE


def _errors(response) -> object:
    if response.context is None:
        return response.status_code
    return [
        response.context["adminform"].form.errors,
        [form.errors for formset in response.context["inline_admin_formsets"] for form in formset.formset.forms],
        [formset.formset.non_form_errors() for formset in response.context["inline_admin_formsets"]],
    ]
