"""The staff member's own account: name, language, email (moved by a link to the new address), password."""

import pytest
from django.core import mail
from django.test import Client

from stampcard.merchants.models import Role, StaffUser
from tests.factories import MembershipFactory, StaffUserFactory
from tests.panel.accounts.conftest import STRONG_PASSWORD, link_in
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def cashier(shop) -> StaffUser:
    return shop.staff[Role.CASHIER].membership.user


def test_name_and_language_are_saved(shop, cashier):
    client = signed_in(shop, Role.CASHIER)
    response = client.post("/account/", {"full_name": "Taras", "email": cashier.email, "language": "uk"})

    assert response["Location"] == "/account/"
    cashier.refresh_from_db()
    assert (cashier.full_name, cashier.language) == ("Taras", "uk")
    assert '<html lang="uk">' in client.get("/account/").content.decode()
    assert mail.outbox == []


def test_a_new_email_takes_effect_when_its_link_is_opened(shop, cashier):
    old = cashier.email
    client = signed_in(shop, Role.CASHIER)

    client.post("/account/", {"full_name": "", "email": "new@example.com", "language": ""})
    cashier.refresh_from_db()
    assert cashier.email == old  # not yet
    assert mail.outbox[0].to == ["new@example.com"]

    client.get(link_in(mail.outbox[0]))
    cashier.refresh_from_db()
    assert cashier.email == "new@example.com"
    assert cashier.email_verified_at is not None


def test_an_old_change_link_stops_working_once_the_email_moved_on(shop, cashier):
    client = signed_in(shop, Role.CASHIER)
    client.post("/account/", {"email": "first@example.com"})
    client.post("/account/", {"email": "second@example.com"})
    client.get(link_in(mail.outbox[1]))

    stale = client.get(link_in(mail.outbox[0]))

    assert stale.status_code == 400
    cashier.refresh_from_db()
    assert cashier.email == "second@example.com"


def test_an_email_of_another_login_is_refused(shop, cashier):
    StaffUserFactory(email="taken@example.com")
    response = signed_in(shop, Role.CASHIER).post("/account/", {"email": "Taken@example.com"})
    assert "email" in response.context["form"].errors
    assert mail.outbox == []


def test_the_password_changes_with_the_old_one_and_the_session_stays(shop, cashier):
    client = signed_in(shop, Role.CASHIER)

    wrong = client.post(
        "/account/password/",
        {"old_password": "nope", "new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD},
    )
    assert "old_password" in wrong.context["form"].errors
    done = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD},
    )

    assert done["Location"] == "/account/"
    cashier.refresh_from_db()
    assert cashier.check_password(STRONG_PASSWORD)
    assert client.get("/panel/").status_code == 200


def test_the_account_pages_need_a_sign_in(client):
    assert client.get("/account/")["Location"].startswith("/login/")
    assert client.get("/account/password/")["Location"].startswith("/login/")


def test_staff_of_several_businesses_land_on_the_chooser_after_sign_in(shop, other_shop):
    user = shop.staff[Role.OWNER].membership.user
    MembershipFactory(merchant=other_shop.merchant, user=user, role=Role.CASHIER)
    client = Client()

    signed = client.post("/login/", {"username": user.email, "password": PASSWORD}, follow=True)

    assert signed.redirect_chain[-1][0].startswith("/panel/choose/")
    html = signed.content.decode()
    assert "Blue Cup" in html and "Red Mug" in html
