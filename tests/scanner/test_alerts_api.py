"""``/api/v1/alerts``: the suspicious-activity alerts for managers and owners (same service as the panel's page)."""

from datetime import date

import pytest

from stampcard.merchants.models import Role
from stampcard.scanner.models import AbuseAlert, AlertKind
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory

pytestmark = pytest.mark.django_db


def alert_raise(card, location=None) -> AbuseAlert:
    return AbuseAlert.objects.create(
        merchant=card.merchant,
        kind=AlertKind.UNUSUAL_ACTIVITY,
        card=card,
        day=date(2027, 1, 15),
        location=location,
        details={"stamp_operations": 8, "threshold": 6, "channels": {"api": 8}},
    )


def test_a_manager_lists_open_alerts_in_words_and_reviews_one(manager, card):
    alert = alert_raise(card)
    client = manager.client()

    (row,) = client.get("/api/v1/alerts").json()["results"]
    reviewed = client.post(f"/api/v1/alerts/{alert.pk}/review")

    assert (row["id"], row["card"], row["reviewed_at"]) == (str(alert.pk), card.number, None)
    assert row["summary"].startswith("8 stampings that day")
    assert reviewed.status_code == 200 and reviewed.json()["reviewed_by"] == manager.membership.user.email
    assert client.get("/api/v1/alerts").json()["results"] == []
    assert [r["id"] for r in client.get("/api/v1/alerts?state=reviewed").json()["results"]] == [str(alert.pk)]


def test_an_owner_may_review_too(owner, card):
    alert = alert_raise(card)

    assert owner.client().post(f"/api/v1/alerts/{alert.pk}/review").status_code == 200


def test_a_cashier_is_refused(cashier, card):
    alert = alert_raise(card)
    client = cashier.client()

    listed, reviewed = client.get("/api/v1/alerts"), client.post(f"/api/v1/alerts/{alert.pk}/review")

    assert (listed.status_code, listed.json()["code"]) == (403, "role_forbidden")
    assert reviewed.status_code == 403
    alert.refresh_from_db()
    assert alert.reviewed_at is None


def test_another_merchants_alert_is_not_found(manager):
    stranger = alert_raise(CardFactory())

    response = manager.client().post(f"/api/v1/alerts/{stranger.pk}/review")

    assert (response.status_code, response.json()["code"]) == (404, "alert_not_found")
    assert manager.client().get("/api/v1/alerts").json()["results"] == []


def test_a_manager_limited_to_a_location_sees_its_alerts_only(merchant, location, program):
    limited = make_staff(merchant, Role.MANAGER)
    limited.membership.locations.set([location])
    here = alert_raise(CardFactory(program=program), location=location)
    there = alert_raise(CardFactory(program=program), location=LocationFactory(merchant=merchant))

    results = limited.client().get("/api/v1/alerts").json()["results"]

    assert [r["id"] for r in results] == [str(here.pk)]
    assert limited.client().post(f"/api/v1/alerts/{there.pk}/review").status_code == 404
