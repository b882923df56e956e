"""API v1 analytics: the summary, the CSV tables and the ROI settings; roles, tenants and location limits."""

import csv
import io
from datetime import UTC, datetime

import pytest

from stampcard.analytics import rollups
from stampcard.analytics.models import RoiSettings
from stampcard.analytics.schemas import AnalyticsTable
from stampcard.analytics.tables import TABLES
from stampcard.merchants.models import Role
from tests.analytics.helpers import stamp
from tests.api.helpers import API, error_of, get
from tests.conftest import make_staff
from tests.factories import LocationFactory, MerchantFactory

pytestmark = pytest.mark.django_db

LATER = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture
def manager(merchant):
    """A manager whose key is bound to no location: sees the whole business."""
    return make_staff(merchant, Role.MANAGER)


@pytest.fixture
def shop(merchant, location, card):
    riverside = LocationFactory(merchant=merchant)
    centre_cashier = make_staff(merchant, Role.CASHIER, location=location)
    river_cashier = make_staff(merchant, Role.CASHIER, location=riverside)
    stamp(centre_cashier, card, datetime(2026, 3, 2, 9, tzinfo=UTC))
    stamp(river_cashier, card, datetime(2026, 3, 3, 9, tzinfo=UTC))
    stamp(river_cashier, card, datetime(2026, 3, 9, 9, tzinfo=UTC))
    rollups.rollups_refresh(now=LATER)
    return {"riverside": riverside, "river_cashier": river_cashier}


def figure(body, key):
    return next(f for f in body["figures"] if f["key"] == key)


def test_a_manager_reads_a_week_beside_the_week_before(shop, manager):
    response = get(manager.client(), "/analytics/summary", period="week", **{"from": "2026-03-10"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"kind": "week", "first": "2026-03-09", "last": "2026-03-15"}
    assert body["previous"] == {"kind": "week", "first": "2026-03-02", "last": "2026-03-08"}
    visits = figure(body, "visits")
    assert (visits["value"], visits["previous"], visits["change"]) == (1, 2, -0.5)
    assert len(body["hours"]) == 7 and len(body["hours"][0]) == 24
    assert body["roi"]["returning_visits"] == 1


def test_location_and_staff_filters(shop, manager, location):
    by_location = get(
        manager.client(), "/analytics/summary", period="month", location_id=str(location.pk), **{"from": "2026-03-01"}
    )
    by_staff = get(
        manager.client(),
        "/analytics/summary",
        period="month",
        staff_id=str(shop["river_cashier"].membership.user_id),
        **{"from": "2026-03-01"},
    )
    assert figure(by_location.json(), "visits")["value"] == 1
    assert figure(by_location.json(), "cards_issued")["value"] is None
    assert figure(by_staff.json(), "visits")["value"] == 2


def test_every_table_as_csv(shop, manager):
    assert {t.value for t in AnalyticsTable} == set(TABLES)
    for table in TABLES:
        response = manager.client().get(
            f"{API}/analytics/csv", {"table": table, "period": "month", "from": "2026-03-01"}
        )
        assert response.status_code == 200, (table, response.content)
        assert response["Content-Type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(response.content.decode())))[0]
    error_of(manager.client().get(f"{API}/analytics/csv", {"table": "nothing"}), 422)


def test_a_cashier_is_refused(shop, cashier):
    assert error_of(get(cashier.client(), "/analytics/summary"), 403)["code"] == "role_forbidden"
    error_of(cashier.client().get(f"{API}/analytics/csv"), 403)
    error_of(
        cashier.client().put(
            f"{API}/analytics/roi", {"average_check": 1, "reward_cost": 1}, content_type="application/json"
        ),
        403,
    )


def test_another_merchants_location_and_staff_are_not_found(shop, manager):
    other = MerchantFactory()
    other_location = LocationFactory(merchant=other)
    other_staff = make_staff(other, Role.MANAGER)
    assert (
        error_of(get(manager.client(), "/analytics/summary", location_id=str(other_location.pk)), 404)["code"]
        == "location_not_found"
    )
    assert (
        error_of(get(manager.client(), "/analytics/summary", staff_id=str(other_staff.membership.user_id)), 404)["code"]
        == "staff_not_found"
    )
    # Another merchant's manager sees none of these visits.
    assert (
        figure(
            get(other_staff.client(), "/analytics/summary", period="month", **{"from": "2026-03-01"}).json(), "visits"
        )["value"]
        == 0
    )


def test_a_key_of_one_location_sees_only_that_location(shop, merchant, location):
    keyed = make_staff(merchant, Role.MANAGER, location=location)
    body = get(keyed.client(), "/analytics/summary", period="month", **{"from": "2026-03-01"}).json()
    assert figure(body, "visits")["value"] == 1
    refused = get(keyed.client(), "/analytics/summary", location_id=str(shop["riverside"].pk))
    assert error_of(refused, 403)["code"] == "location_forbidden"


def test_a_custom_period_without_sensible_dates_is_refused(shop, manager):
    assert error_of(get(manager.client(), "/analytics/summary", period="custom"), 422)["code"] == "invalid_period"
    error_of(
        get(manager.client(), "/analytics/summary", period="custom", **{"from": "2026-03-05", "to": "2026-03-01"}), 422
    )
    error_of(get(manager.client(), "/analytics/summary", period="year"), 422)


def test_a_manager_sets_the_roi_figures(shop, manager, merchant):
    response = manager.client().put(
        f"{API}/analytics/roi", {"average_check": 15000, "reward_cost": 4000}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"average_check": 15000, "reward_cost": 4000}
    assert RoiSettings.objects.get(merchant=merchant).average_check == 15000
    roi = get(manager.client(), "/analytics/summary", period="month", **{"from": "2026-03-01"}).json()["roi"]
    assert (roi["revenue"], roi["rewards_given"], roi["cost"]) == (30000, 0, 0)
    error_of(
        manager.client().put(
            f"{API}/analytics/roi", {"average_check": -1, "reward_cost": 0}, content_type="application/json"
        ),
        422,
    )
