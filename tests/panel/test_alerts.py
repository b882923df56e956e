"""Limit alerts on the dashboard: owners and managers see which key, device or address ran into a miss limit and
when, and dismiss them; a refusal after the dismissal brings the alert back."""

from datetime import timedelta

import pytest

from stampcard.api.models import LimitAlert
from stampcard.core import clock
from stampcard.merchants.models import Role
from tests.panel.conftest import signed_in
from tests.panel.makers import limit_alert_create

pytestmark = pytest.mark.django_db


def dashboard(shop, role=Role.MANAGER) -> str:
    response = signed_in(shop, role).get("/panel/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_see_which_key_hit_the_limit_and_when(shop, role):
    alert = limit_alert_create(shop, refusals=7, last_refused_at=clock.now() - timedelta(minutes=3))
    key = shop.staff[Role.CASHIER].api_key

    response = signed_in(shop, role).get("/panel/")

    [row] = response.context["alerts"].rows
    assert row.alert == alert and str(row.what) == "card numbers or receipt codes"
    page = response.content.decode()
    assert 'data-testid="limit-alerts"' in page
    assert f"API key “{key.name}” ({key.prefix}…)" in page
    assert "7 lookups of card numbers or receipt codes refused (more than 30 misses within 10 minutes)" in page
    assert "from 203.0.113.7" in page
    assert f'datetime="{alert.last_refused_at.astimezone(shop.merchant.tz).isoformat()}"' in page


def test_a_cashier_does_not_see_the_alerts(shop):
    limit_alert_create(shop)
    assert 'data-testid="limit-alerts"' not in dashboard(shop, Role.CASHIER)


def test_a_device_and_an_address_are_named_and_voucher_guessing_says_so(shop):
    limit_alert_create(
        shop,
        subject=LimitAlert.Subject.DEVICE,
        subject_key="device:1",
        api_key=None,
        device_name="Counter tablet",
        kind="voucher-lookup",
        refusals=1,
    )
    limit_alert_create(shop, subject=LimitAlert.Subject.IP, subject_key="ip:abc", api_key=None, ip="198.51.100.4")

    page = dashboard(shop)

    assert "Scanner device “Counter tablet”" in page
    assert "1 lookup of voucher codes refused" in page
    assert "Network address 198.51.100.4" in page


def test_no_alert_no_section(shop):
    limit_alert_create(shop, dismissed_at=clock.now())
    assert 'data-testid="limit-alerts"' not in dashboard(shop)


def test_dismissing_an_alert_hides_it_and_records_who(shop):
    alert = limit_alert_create(shop)
    manager = shop.staff[Role.MANAGER].membership.user

    response = signed_in(shop, Role.MANAGER).post(f"/panel/alerts/{alert.pk}/dismiss/")

    assert response.status_code == 302 and response["Location"] == "/panel/"
    alert.refresh_from_db()
    assert alert.dismissed_at is not None and alert.dismissed_by == manager
    assert 'data-testid="limit-alerts"' not in dashboard(shop)


def test_another_merchants_alert_cannot_be_dismissed(shop, other_shop):
    theirs = limit_alert_create(other_shop)
    response = signed_in(shop, Role.OWNER).post(f"/panel/alerts/{theirs.pk}/dismiss/")
    assert response.status_code == 404
    assert LimitAlert.objects.get(pk=theirs.pk).dismissed_at is None


def test_a_cashier_may_not_dismiss(shop):
    alert = limit_alert_create(shop)
    assert signed_in(shop, Role.CASHIER).post(f"/panel/alerts/{alert.pk}/dismiss/").status_code == 403
    assert signed_in(shop, Role.CASHIER).post("/panel/alerts/dismiss/").status_code == 403
    assert LimitAlert.objects.get(pk=alert.pk).dismissed_at is None


def test_the_newest_five_show_with_the_count_of_the_rest_and_all_can_be_dismissed_at_once(shop, other_shop):
    start = clock.now() - timedelta(hours=8)
    for hour in range(7):
        limit_alert_create(shop, hour=start + timedelta(hours=hour), last_refused_at=start + timedelta(hours=hour))
    theirs = limit_alert_create(other_shop)

    response = signed_in(shop, Role.OWNER).get("/panel/")
    shown = [row.alert.last_refused_at for row in response.context["alerts"].rows]
    assert shown == sorted(shown, reverse=True) and len(shown) == 5
    assert "And 2 more alerts." in response.content.decode()

    signed_in(shop, Role.OWNER).post("/panel/alerts/dismiss/")

    assert not LimitAlert.objects.filter(merchant=shop.merchant, dismissed_at__isnull=True).exists()
    assert LimitAlert.objects.get(pk=theirs.pk).dismissed_at is None
    assert 'data-testid="limit-alerts"' not in dashboard(shop)


def test_a_key_walking_card_numbers_shows_up_and_comes_back_after_a_dismissal_if_it_goes_on(shop, settings):
    settings.STAMPCARD = {**settings.STAMPCARD, "LOOKUP_WINDOW_SECONDS": 600, "LOOKUP_MISSES_PER_KEY": 2}
    till = shop.staff[Role.CASHIER].client()
    manager = signed_in(shop, Role.MANAGER)

    def guess(n: int) -> list[int]:
        return [till.get(f"/api/v1/cards/{900100 + i:06d}").status_code for i in range(n)]

    with clock.frozen_at(clock.now().replace(minute=10)):
        assert guess(3) == [404, 404, 429]
        [row] = manager.get("/panel/").context["alerts"].rows
        assert row.alert.api_key == shop.staff[Role.CASHIER].api_key and row.alert.refusals == 1
        manager.post(f"/panel/alerts/{row.alert.pk}/dismiss/")
        assert not manager.get("/panel/").context["alerts"].rows

        assert guess(1) == [429]

        [again] = manager.get("/panel/").context["alerts"].rows
        assert again.alert.pk == row.alert.pk and again.alert.refusals == 2 and again.alert.dismissed_at is None
