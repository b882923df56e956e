"""Suspicious-activity alerts in the panel: the dashboard counts the open ones, the review page lists them in words
with the customer and where it happened, marking one reviewed keeps who and when, and a staff member limited to
some locations sees only theirs."""

from datetime import date

import pytest
from django.core import mail

from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Membership, Role
from stampcard.scanner.models import AlertKind
from tests.factories import CardFactory, LocationFactory
from tests.panel.alerts.makers import abuse_alert_create
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db


def page(client, path="/panel/alerts/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_shows_how_many_alerts_are_open_and_links_to_the_review(shop, manager_client):
    for day in (1, 2, 3):
        abuse_alert_create(shop, day=date(2027, 1, day))
    abuse_alert_create(shop, day=date(2027, 1, 4), reviewed_at="2027-01-05T10:00:00Z")

    response = manager_client.get("/panel/")

    assert response.context["abuse_alerts"].total == 3
    html = response.content.decode()
    assert 'data-testid="abuse-alerts-count">3<' in html
    assert html.count('data-testid="abuse-alert-summary"') == 3
    assert 'href="/panel/alerts/"' in html


def test_a_dashboard_without_open_alerts_shows_no_alert_box(shop, manager_client):
    assert 'data-testid="abuse-alerts-summary"' not in page(manager_client, "/panel/")


def test_a_cashier_sees_no_alerts_on_the_dashboard_and_may_not_open_them(shop, cashier_client):
    abuse_alert_create(shop)

    assert 'data-testid="abuse-alerts-summary"' not in page(cashier_client, "/panel/")
    assert cashier_client.get("/panel/alerts/").status_code == 403


def test_the_review_page_tells_what_happened_in_words(shop, manager_client):
    shop.card.customer.name = "Olena Kovalenko"
    shop.card.customer.save()
    abuse_alert_create(shop)

    html = page(manager_client)

    assert "Unusually many stamps in a day" in html
    assert "9 stampings that day, more than the 6 a day you allow." in html
    assert "POS API: 2; Self-service kiosk: 7" in html
    assert f'href="/panel/customers/{shop.card.customer_id}/"' in html and "Olena Kovalenko" in html
    assert shop.location.name in html and "stamp_operations" not in html


def test_refusals_are_told_with_their_reasons(shop, manager_client):
    abuse_alert_create(
        shop,
        kind=AlertKind.REPEATED_REFUSALS,
        details={"refusals": 5, "threshold": 5, "codes": {"daily_cap": 3, "visit_window": 2}},
    )

    html = page(manager_client)

    assert "5 self-service scans refused that day (alert from 5)." in html
    assert "Daily self-service stamps used up: 3" in html


def test_marking_reviewed_keeps_who_and_when_and_moves_it_to_the_history(shop, manager_client):
    alert = abuse_alert_create(shop)
    manager = shop.staff[Role.MANAGER].membership.user

    response = manager_client.post(f"/panel/alerts/{alert.pk}/review/", follow=True)

    assert "The alert is marked reviewed." in response.content.decode()
    alert.refresh_from_db()
    assert alert.reviewed_by == manager and alert.reviewed_at is not None
    assert str(alert.pk) not in page(manager_client)
    history = page(manager_client, "/panel/alerts/?state=reviewed")
    assert str(alert.pk) in history and (manager.full_name or manager.email) in history


def test_a_second_review_keeps_the_first_reviewer(shop, manager_client, owner_client):
    alert = abuse_alert_create(shop)
    manager_client.post(f"/panel/alerts/{alert.pk}/review/")

    owner_client.post(f"/panel/alerts/{alert.pk}/review/")

    alert.refresh_from_db()
    assert alert.reviewed_by == shop.staff[Role.MANAGER].membership.user


def test_another_merchants_alert_cannot_be_reviewed(shop, other_shop, owner_client):
    stranger = abuse_alert_create(other_shop)

    assert owner_client.post(f"/panel/alerts/{stranger.pk}/review/").status_code == 404
    stranger.refresh_from_db()
    assert stranger.reviewed_at is None
    assert str(stranger.pk) not in page(owner_client)


def test_a_manager_limited_to_a_location_sees_only_that_locations_alerts(shop, manager_client):
    elsewhere = LocationFactory(merchant=shop.merchant, name="Riverside")
    membership = shop.staff[Role.MANAGER].membership
    membership.locations.set([shop.location])
    here = abuse_alert_create(shop)
    there = abuse_alert_create(shop, card=CardFactory(program=shop.program), location=elsewhere)
    # The ledger-wide check names no location: shown when the card was stamped at one of the manager's locations.
    stamped_here = CardFactory(program=shop.program)
    CardEvent.objects.create(
        merchant=shop.merchant,
        card=stamped_here,
        kind=EventKind.STAMP,
        delta=1,
        stamps_after=1,
        channel=Channel.API,
        location=shop.location,
    )
    nowhere_here = abuse_alert_create(shop, card=stamped_here, location=None)
    never_here = abuse_alert_create(shop, card=CardFactory(program=shop.program), location=None)

    html = page(manager_client)

    assert str(here.pk) in html and str(nowhere_here.pk) in html
    assert str(there.pk) not in html and str(never_here.pk) not in html
    assert manager_client.post(f"/panel/alerts/{there.pk}/review/").status_code == 404
    assert page(manager_client, "/panel/").count('data-testid="abuse-alert-summary"') == 2


def test_managers_opt_in_to_alert_emails_on_their_account_page(shop, manager_client):
    user = shop.staff[Role.MANAGER].membership.user
    form = page(manager_client, "/account/")
    assert f"Email me about suspicious activity at {shop.merchant.name}" in form

    manager_client.post("/account/", {"full_name": "Ivan", "email": user.email, "language": "", "alert_emails": "on"})

    assert Membership.objects.get(pk=shop.staff[Role.MANAGER].membership.pk).alert_emails is True
    manager_client.post("/account/", {"full_name": "Ivan", "email": user.email, "language": ""})
    assert Membership.objects.get(pk=shop.staff[Role.MANAGER].membership.pk).alert_emails is False
    assert mail.outbox == []


def test_cashiers_are_not_offered_alert_emails(shop, cashier_client):
    user = shop.staff[Role.CASHIER].membership.user

    assert "suspicious activity" not in page(cashier_client, "/account/")
    cashier_client.post("/account/", {"full_name": "", "email": user.email, "language": "", "alert_emails": "on"})
    assert Membership.objects.get(pk=shop.staff[Role.CASHIER].membership.pk).alert_emails is False


def test_the_alerts_page_is_in_the_menu_of_managers(shop):
    assert 'href="/panel/alerts/"' in page(signed_in(shop, Role.MANAGER), "/panel/journal/")
