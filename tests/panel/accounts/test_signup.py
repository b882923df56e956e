"""Sign-up: a business, its first location and its owner in one go, then the dashboard with the guided start."""

import pytest
from django.core import mail
from django.test import Client

from stampcard.merchants.models import BusinessType, Location, Membership, Merchant, Plan, Role, StaffUser
from tests.factories import StaffUserFactory
from tests.panel.accounts.conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_up_creates_the_business_its_location_and_its_owner(client, signup_data):
    response = client.post("/signup/", signup_data)

    assert response.status_code == 302
    assert response["Location"] == "/panel/"
    merchant = Merchant.objects.get(name="Kava Tut")
    assert (merchant.business_type, merchant.country, merchant.currency) == (BusinessType.BAKERY, "UA", "UAH")
    assert (merchant.timezone, merchant.locale) == ("Europe/Kyiv", "uk")
    assert [location.name for location in Location.objects.filter(merchant=merchant)] == ["Kava Tut"]
    assert merchant.subscription.plan == Plan.FREE
    owner = StaffUser.objects.get(email="olena@example.com")
    assert owner.full_name == "Olena Kovalenko"
    assert owner.check_password(STRONG_PASSWORD)
    assert not owner.is_staff and not owner.is_superuser
    assert owner.email_verified_at is None
    assert list(Membership.objects.filter(user=owner).values_list("merchant_id", "role")) == [(merchant.pk, Role.OWNER)]


def test_after_sign_up_the_owner_is_signed_in_and_sees_the_guided_start(client, signup_data):
    client.post("/signup/", signup_data)

    page = client.get("/panel/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="checklist"' in html
    assert 'data-testid="verify-notice"' in html
    assert "Kava Tut" in html


def test_sign_up_mails_a_link_to_confirm_the_email(client, signup_data):
    client.post("/signup/", signup_data)

    assert [message.to for message in mail.outbox] == [["olena@example.com"]]
    assert "/account/verify/" in mail.outbox[0].body


def test_the_form_starts_from_the_browsers_language_and_country(client):
    page = client.get("/signup/", HTTP_ACCEPT_LANGUAGE="pl-PL,pl;q=0.9,en;q=0.5").content.decode()
    assert '<option value="PL" selected>' in page
    assert '<option value="PLN" selected>' in page
    assert '<option value="Europe/Warsaw" selected>' in page
    assert '<option value="en" selected>' in page


def test_ukrainian_browsers_get_ukraine_hryvnia_kyiv_and_ukrainian(client):
    page = client.get("/signup/", HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9").content.decode()
    for selected in ('"UA" selected', '"UAH" selected', '"Europe/Kyiv" selected', '"uk" selected'):
        assert selected in page
    assert "Україна" in page  # country names read in the page's language


def test_an_email_with_a_staff_login_is_refused(client, signup_data):
    StaffUserFactory(email="olena@example.com")

    response = client.post("/signup/", signup_data)

    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert not Merchant.objects.filter(name="Kava Tut").exists()


def test_a_weak_password_is_refused_with_the_validators_reasons(client, signup_data):
    response = client.post("/signup/", {**signup_data, "password": "12345678"})

    html = response.content.decode()
    assert "This password is too common." in html
    assert "entirely numeric" in html
    assert not StaffUser.objects.filter(email="olena@example.com").exists()


def test_a_password_like_the_email_is_refused(client, signup_data):
    response = client.post(
        "/signup/", {**signup_data, "email": "kovalenko.olena@example.com", "password": "kovalenko.olena"}
    )
    assert "too similar" in response.content.decode()


@pytest.mark.parametrize(
    "missing", ["business_name", "business_type", "country", "currency", "time_zone", "full_name", "email", "password"]
)
def test_each_missing_field_is_named(client, signup_data, missing):
    response = client.post("/signup/", {**signup_data, missing: ""})

    assert response.status_code == 200
    assert missing in response.context["form"].errors
    assert not Merchant.objects.exists()


def test_an_unknown_currency_or_time_zone_is_refused(client, signup_data):
    response = client.post("/signup/", {**signup_data, "currency": "XXX", "time_zone": "Mars/Olympus"})
    assert set(response.context["form"].errors) == {"currency", "time_zone"}


def test_the_password_help_lists_the_rules(client):
    html = client.get("/signup/").content.decode()
    assert "at least 8 characters" in html


def test_the_panel_keeps_speaking_the_language_the_owner_signed_up_in(signup_data):
    client = Client(HTTP_ACCEPT_LANGUAGE="uk")
    client.post("/signup/", {**signup_data, "language": "en"})  # the cards' language, not the panel's

    page = client.get("/panel/").content.decode()
    assert '<html lang="uk">' in page
