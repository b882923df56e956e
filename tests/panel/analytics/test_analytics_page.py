"""The analytics page, its CSV downloads and the ROI form: roles, tenants, location-limited managers, queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.analytics import rollups
from stampcard.analytics.models import RoiSettings
from stampcard.analytics.tables import TABLES
from stampcard.core import clock
from stampcard.merchants.models import Role
from tests.factories import CardFactory, LocationFactory
from tests.panel.conftest import signed_in
from tests.panel.journal.helpers import record

pytestmark = pytest.mark.django_db

URL = "/panel/analytics/"


def refreshed(shop, *, visits=1, location=None):
    for _ in range(visits):
        record(shop, location=location or shop.location)
    rollups.rollups_refresh(now=clock.now() + rollups.SETTLE * 2)


def test_a_manager_sees_this_weeks_figures_beside_last_weeks(shop, manager_client):
    refreshed(shop, visits=2)

    page = manager_client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="visits"' in html and 'data-chart="days"' in html and 'id="analytics-charts"' in html
    assert page.context["summary"].figure("visits").value == 2
    assert page.context["summary"].figure("visits").previous == 0


def test_the_owner_sees_it_too_and_a_cashier_is_refused(shop, owner_client, cashier_client, client):
    assert owner_client.get(URL).status_code == 200
    assert cashier_client.get(URL).status_code == 403
    assert cashier_client.get(URL + "csv/?table=figures").status_code == 403
    assert cashier_client.post(URL + "roi/", {"average_check": "1", "reward_cost": "1"}).status_code == 403
    assert client.get(URL).status_code == 302  # signed out: to the sign-in page


def test_every_table_downloads_as_csv(shop, manager_client):
    refreshed(shop)
    for table in TABLES:
        response = manager_client.get(f"{URL}csv/?table={table}&period=month")
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows and rows[0], table
    figures = dict(
        (row[0], row[1])
        for row in csv.reader(io.StringIO(manager_client.get(URL + "csv/?table=figures").content.decode()))
    )
    assert figures["Visits"] == "1"
    assert manager_client.get(URL + "csv/?table=nothing").status_code == 404


def test_a_custom_period_needs_sensible_dates(shop, manager_client):
    page = manager_client.get(URL, {"period": "custom", "day_from": "2026-03-10", "day_to": "2026-03-01"})
    assert page.status_code == 200 and page.context["summary"] is None
    assert "The last day comes before the first one." in page.content.decode()
    assert manager_client.get(URL + "csv/", {"table": "figures", "period": "custom"}).status_code == 400


def test_another_merchants_location_or_staff_is_not_a_choice(shop, other_shop, manager_client):
    for params in (
        {"location": str(other_shop.location.pk)},
        {"staff": str(other_shop.staff[Role.OWNER].membership.user_id)},
    ):
        page = manager_client.get(URL, params)
        assert page.status_code == 200 and page.context["summary"] is None
        assert manager_client.get(URL + "csv/", {"table": "figures", **params}).status_code == 400


def test_a_manager_limited_to_one_location_sees_only_its_figures(shop):
    riverside = LocationFactory(merchant=shop.merchant, name="Riverside")
    refreshed(shop, visits=2, location=shop.location)
    refreshed(shop, visits=3, location=riverside)
    limited = shop.staff[Role.MANAGER].membership
    limited.locations.set([riverside])
    client = signed_in(shop, Role.MANAGER)

    page = client.get(URL)

    assert page.context["summary"].figure("visits").value == 3
    assert page.context["summary"].figure("cards_issued").value is None
    assert shop.location.name not in page.content.decode()
    refused = client.get(URL, {"location": str(shop.location.pk)})
    assert refused.context["summary"] is None
    assert signed_in(shop, Role.OWNER).get(URL).context["summary"].figure("visits").value == 5


def test_roi_settings_are_saved_and_shown(shop, manager_client):
    refreshed(shop, visits=2)

    saved = manager_client.post(URL + "roi/", {"average_check": "150.00", "reward_cost": "40"})

    assert saved.status_code == 302
    settings = RoiSettings.objects.get(merchant=shop.merchant)
    assert (settings.average_check, settings.reward_cost) == (15000, 4000)
    page = manager_client.get(URL)
    roi = page.context["summary"].roi
    assert roi.returning_visits == 1 and roi.revenue == 15000
    assert 'data-testid="roi-revenue">150.00 UAH' in page.content.decode()
    refused = manager_client.post(URL + "roi/", {"average_check": "-1", "reward_cost": "x"}, follow=True)
    assert "Average check:" in refused.content.decode()
    assert RoiSettings.objects.get(merchant=shop.merchant).average_check == 15000


def test_the_page_costs_the_same_queries_for_one_visit_or_many(shop, manager_client):
    refreshed(shop)
    manager_client.get(URL)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(URL)
    for _ in range(5):
        CardFactory(program=shop.program)
    riverside = LocationFactory(merchant=shop.merchant)
    refreshed(shop, visits=6, location=riverside)
    with CaptureQueriesContext(connection) as many:
        manager_client.get(URL)
    # Signed-in frame and filter choices, then the summary: two aggregates, the days, hours, lottery, progress, ROI.
    assert len(few) == len(many) == 17, [q["sql"][:120] for q in many.captured_queries]
