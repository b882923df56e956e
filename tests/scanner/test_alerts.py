"""Alerts: repeated refusals of one card, and unusually many stamps on one card in a day, raised once per day."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.merchants.models import StaffUser
from stampcard.scanner import abuse
from stampcard.scanner.models import AbuseAlert, AlertKind, LedgerCursor
from stampcard.scanner.tasks import scanner_alerts_scan
from tests.factories import CardFactory
from tests.scanner.conftest import fixed_clock, kyiv

pytestmark = pytest.mark.django_db

NOON = kyiv(2027, 1, 14, 12, 0)
_checks = itertools.count(1)


def scan_at(client, card, moment):
    with fixed_clock(moment):
        return client.scan(card)


def checkout(actor, card, moment):
    check = CheckInput(external_id=f"P-{next(_checks)}", total=12550, currency="UAH")
    with fixed_clock(moment):
        return checkouts_services.checkout_commit(actor=actor, card_ref=card.number, check=check)


def test_repeated_refusals_raise_one_alert_when_they_reach_the_threshold(kiosk, card, program):
    device, client = kiosk
    program.alert_refusals_per_day = 5
    program.save()
    scan_at(client, card, NOON)
    for minute in range(1, 5):
        assert scan_at(client, card, NOON + timedelta(minutes=minute)).json()["stamped"] is False
    assert not AbuseAlert.objects.exists()  # four refusals

    scan_at(client, card, NOON + timedelta(minutes=5))
    scan_at(client, card, NOON + timedelta(minutes=6))

    alert = AbuseAlert.objects.get()
    assert (alert.kind, alert.card, alert.device, alert.location) == (
        AlertKind.REPEATED_REFUSALS,
        card,
        device,
        device.location,
    )
    assert alert.day.isoformat() == "2027-01-14"
    assert alert.details == {"refusals": 5, "threshold": 5, "codes": {"visit_window": 5}}


def test_refusals_are_counted_per_merchant_day(kiosk, card, program):
    _device, client = kiosk
    program.alert_refusals_per_day = 2
    program.selfservice_visit_window_minutes = 12 * 60
    program.save()
    late = kyiv(2027, 1, 14, 23, 50)
    scan_at(client, card, late)
    scan_at(client, card, late + timedelta(minutes=1))
    scan_at(client, card, late + timedelta(minutes=11))  # 00:01 the next day: that day's first refusal

    assert not AbuseAlert.objects.exists()
    scan_at(client, card, late + timedelta(minutes=12))
    assert AbuseAlert.objects.get().day.isoformat() == "2027-01-15"


def test_a_refusal_threshold_of_zero_raises_no_alert(kiosk, card, program):
    program.alert_refusals_per_day = 0
    program.save()
    for minute in range(8):
        scan_at(kiosk[1], card, NOON + timedelta(minutes=minute))

    assert not AbuseAlert.objects.exists()


def test_a_self_service_stamp_past_the_days_stamp_threshold_raises_unusual_activity(kiosk, card, program, cashier):
    device, client = kiosk
    program.alert_stamps_per_day = 6
    program.save()
    for i in range(6):
        checkout(cashier.actor(), card, NOON + timedelta(minutes=i))
    assert not AbuseAlert.objects.exists()

    assert scan_at(client, card, NOON + timedelta(minutes=10)).json()["stamped"] is True

    alert = AbuseAlert.objects.get()
    assert (alert.kind, alert.device, alert.location) == (AlertKind.UNUSUAL_ACTIVITY, device, device.location)
    assert alert.details == {"stamp_operations": 7, "threshold": 6, "channels": {"api": 6, "kiosk": 1}}


def test_the_periodic_scan_raises_unusual_activity_for_the_other_channels_once(card, program, cashier):
    program.alert_stamps_per_day = 6
    program.save()
    for i in range(6):
        checkout(cashier.actor(), card, NOON + timedelta(minutes=i))
    later = NOON + timedelta(minutes=10)
    assert abuse.ledger_scan_unusual_activity(now=later).alerts == []

    checkout(cashier.actor(), card, NOON + timedelta(minutes=11))
    first = abuse.ledger_scan_unusual_activity(now=NOON + timedelta(minutes=20))
    checkout(cashier.actor(), card, NOON + timedelta(minutes=21))
    again = abuse.ledger_scan_unusual_activity(now=NOON + timedelta(minutes=30))

    assert [a.kind for a in first.alerts] == [AlertKind.UNUSUAL_ACTIVITY]
    assert again.alerts == [] and again.cards == 1
    alert = AbuseAlert.objects.get()
    assert alert.device is None and alert.details["channels"] == {"api": 7}


def test_the_periodic_scan_leaves_rows_younger_than_a_minute_for_its_next_run(card, program, cashier):
    program.alert_stamps_per_day = 1
    program.save()
    checkout(cashier.actor(), card, NOON)
    checkout(cashier.actor(), card, NOON + timedelta(seconds=1))

    too_soon = abuse.ledger_scan_unusual_activity(now=NOON + timedelta(seconds=30))
    settled = abuse.ledger_scan_unusual_activity(now=NOON + timedelta(seconds=90))

    assert (too_soon.events, too_soon.alerts) == (0, [])
    assert len(settled.alerts) == 1


def test_the_periodic_task_runs_from_the_worker(card, program, cashier):
    program.alert_stamps_per_day = 1
    program.save()
    start = clock.now() - timedelta(minutes=10)
    checkout(cashier.actor(), card, start)
    checkout(cashier.actor(), card, start + timedelta(minutes=1))

    result = scanner_alerts_scan.call()

    assert result["alerts"] == 1
    assert LedgerCursor.objects.get().last_event_id > 0


# --- review ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def alert(card):
    return AbuseAlert.objects.create(
        merchant=card.merchant, kind=AlertKind.UNUSUAL_ACTIVITY, card=card, day=NOON.date(), details={"x": 1}
    )


def test_managers_list_open_alerts_and_review_them(manager, alert, card):
    client = manager.client()

    listed = client.get("/api/v1/scanner/alerts")
    reviewed = client.post(f"/api/v1/scanner/alerts/{alert.pk}/review")

    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert (row["id"], row["kind"], row["card"], row["reviewed_at"]) == (
        str(alert.pk),
        "unusual_activity",
        card.number,
        None,
    )
    assert reviewed.status_code == 200
    assert reviewed.json()["reviewed_by"] == manager.membership.user.email
    assert client.get("/api/v1/scanner/alerts").json()["results"] == []
    assert len(client.get("/api/v1/scanner/alerts?state=reviewed").json()["results"]) == 1
    assert len(client.get("/api/v1/scanner/alerts?state=all").json()["results"]) == 1


def test_reviewing_twice_keeps_the_first_review(manager, owner, alert):
    manager.client().post(f"/api/v1/scanner/alerts/{alert.pk}/review")

    again = owner.client().post(f"/api/v1/scanner/alerts/{alert.pk}/review")

    assert again.json()["reviewed_by"] == manager.membership.user.email


def test_cashiers_cannot_read_or_review_alerts(cashier, alert):
    client = cashier.client()

    assert client.get("/api/v1/scanner/alerts").json()["code"] == "role_forbidden"
    assert client.post(f"/api/v1/scanner/alerts/{alert.pk}/review").status_code == 403


def test_another_merchants_alert_is_not_found(manager):
    stranger = AbuseAlert.objects.create(
        merchant=(other := CardFactory()).merchant, kind=AlertKind.UNUSUAL_ACTIVITY, card=other, day=NOON.date()
    )

    response = manager.client().post(f"/api/v1/scanner/alerts/{stranger.pk}/review")

    assert response.status_code == 404 and response.json()["code"] == "alert_not_found"


def test_the_admin_marks_alerts_reviewed(client, alert):
    operator = StaffUser.objects.create_superuser(email="operator@example.com", password="long enough secret 42")
    client.force_login(operator)

    response = client.post(
        reverse("admin:scanner_abusealert_changelist"),
        {"action": "mark_reviewed", "_selected_action": [str(alert.pk)]},
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.reviewed_at is not None and alert.reviewed_by == operator
    assert AbuseAlert in site._registry


def test_the_alert_list_costs_the_same_queries_for_one_alert_or_many(manager, program, kiosk):
    def raise_one(day):
        card = CardFactory(program=program)
        AbuseAlert.objects.create(
            merchant=card.merchant, kind=AlertKind.REPEATED_REFUSALS, card=card, day=day, device=kiosk[0]
        )

    client = manager.client()
    raise_one(NOON.date())
    client.get("/api/v1/scanner/alerts")  # the key's first use records its last use: not part of the list's cost
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/scanner/alerts")
    for i in range(4):
        raise_one(NOON.date() + timedelta(days=i + 1))
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/v1/scanner/alerts").json()["results"]) == 5

    assert len(five) == len(one)
