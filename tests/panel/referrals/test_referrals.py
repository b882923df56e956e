"""Referral in the panel: the designer's step sets who gets what, and invitations refused as abuse are listed under
Suspicious activity for a manager who sees the whole merchant to mark reviewed."""

import pytest
from django.test import Client

from stampcard.merchants.models import Role
from stampcard.referrals.models import Referral, ReferralSettings, RefusalReason
from tests.conftest import make_staff
from tests.factories import LocationFactory
from tests.panel.conftest import signed_in
from tests.panel.referrals.makers import referral_flag_create
from tests.public.conftest import stub_wallet_links  # noqa: F401 - autouse: the web card's wallet links
from tests.referrals.conftest import a_phone, join_through, referrals_on

pytestmark = pytest.mark.django_db


def test_the_designer_step_saves_the_setting(shop, manager_client):
    url = f"/panel/programs/{shop.program.pk}/referral/"
    assert manager_client.get(url).status_code == 200

    response = manager_client.post(url, {"mode": "friend", "reward_kind": "stamps", "reward_stamps": "3"})

    assert response.status_code == 302 and response["Location"].endswith("/review/")
    assert ReferralSettings.objects.get(program=shop.program).reward_stamps == 3
    refused = manager_client.post(url, {"mode": "both", "reward_kind": "voucher", "reward_stamps": "1"})
    assert refused.status_code == 200 and refused.context["form"].errors


def test_cashiers_do_not_see_the_designer_step(shop, cashier_client):
    assert cashier_client.get(f"/panel/programs/{shop.program.pk}/referral/").status_code in (302, 403, 404)


def test_flagged_referrals_are_listed_for_review_and_marked_reviewed(shop, manager_client):
    referrals_on(shop.program)
    phone = a_phone()
    friends = [join_through(phone, shop.card, name=f"Friend {i}") for i in range(4)]  # one device, one too many
    referral = Referral.objects.get(friend_card=friends[-1])
    assert (referral.refusal, referral.flagged) == (RefusalReason.DEVICE_FARM, True)

    html = manager_client.get("/panel/alerts/").content.decode()
    assert 'data-testid="referral-flag"' in html and "Too many invitations joined from one device" in html

    response = manager_client.post(f"/panel/alerts/referrals/{referral.pk}/review/")

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.reviewed_at is not None and referral.reviewed_by == shop.staff[Role.MANAGER].membership.user
    assert 'data-testid="referral-flag"' not in manager_client.get("/panel/alerts/").content.decode()


def test_staff_limited_to_a_location_neither_see_nor_review_referral_flags(shop):
    referral = referral_flag_create(shop, refusal=RefusalReason.IP_FARM)
    limited = make_staff(shop.merchant, Role.MANAGER)
    limited.membership.locations.add(LocationFactory(merchant=shop.merchant))
    client = Client()
    client.force_login(limited.membership.user)

    assert 'data-testid="referral-flag"' not in client.get("/panel/alerts/").content.decode()
    assert client.post(f"/panel/alerts/referrals/{referral.pk}/review/").status_code == 404


def test_another_shops_manager_cannot_review_a_flag(shop, other_shop):
    referral = referral_flag_create(shop, refusal=RefusalReason.IP_FARM)

    response = signed_in(other_shop, Role.MANAGER).post(f"/panel/alerts/referrals/{referral.pk}/review/")

    assert response.status_code == 404 and Referral.objects.get(pk=referral.pk).reviewed_at is None
