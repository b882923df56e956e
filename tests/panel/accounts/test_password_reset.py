"""Password reset by email, end to end, and its limits per address and per IP."""

import pytest
from django.core import mail
from django.test import Client

from stampcard.merchants.models import Role
from stampcard.panel.accounts.forms import RESET_PER_EMAIL, RESET_PER_IP
from tests.factories import StaffUserFactory
from tests.panel.accounts.conftest import STRONG_PASSWORD, link_in

pytestmark = pytest.mark.django_db


def test_a_forgotten_password_is_reset_through_the_emailed_link(shop, client):
    user = shop.staff[Role.OWNER].membership.user

    asked = client.post("/password-reset/", {"email": user.email.upper()})
    assert asked["Location"] == "/password-reset/sent/"
    assert [message.to for message in mail.outbox] == [[user.email]]

    form = client.get(link_in(mail.outbox[0]), follow=True)  # Django moves the token out of the URL first
    assert form.context["validlink"]
    saved = client.post(
        form.redirect_chain[-1][0], {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD}
    )
    assert saved["Location"] == "/password-reset/done/"

    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)
    assert "_auth_user_id" not in client.session  # no sign-in by the link alone: the password is asked
    signed = client.post("/login/", {"username": user.email, "password": STRONG_PASSWORD})
    assert signed["Location"] == "/panel/"


def test_the_link_works_once(shop, client):
    user = shop.staff[Role.OWNER].membership.user
    client.post("/password-reset/", {"email": user.email})
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": STRONG_PASSWORD, "new_password2": STRONG_PASSWORD})

    again = Client().get(link, follow=True)

    assert not again.context["validlink"]
    assert "does not work" in again.content.decode()


def test_an_unknown_email_sends_nothing_and_reveals_nothing(client):
    response = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_a_weak_new_password_is_refused(shop, client):
    user = shop.staff[Role.OWNER].membership.user
    client.post("/password-reset/", {"email": user.email})
    form = client.get(link_in(mail.outbox[0]), follow=True)

    response = client.post(form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"})

    assert "too common" in response.content.decode()


def test_requests_are_limited_per_email(client):
    user = StaffUserFactory()
    for _ in range(RESET_PER_EMAIL[0]):
        client.post("/password-reset/", {"email": user.email})

    refused = client.post("/password-reset/", {"email": user.email})

    assert refused.status_code == 200
    assert "Too many attempts" in refused.content.decode()
    assert len(mail.outbox) == RESET_PER_EMAIL[0]


def test_requests_are_limited_per_ip_across_addresses(client):
    for n in range(RESET_PER_IP[0]):
        client.post("/password-reset/", {"email": f"probe{n}@example.com"})

    refused = client.post("/password-reset/", {"email": "one-more@example.com"})
    elsewhere = Client(REMOTE_ADDR="10.1.2.3").post("/password-reset/", {"email": "one-more@example.com"})

    assert "Too many attempts" in refused.content.decode()
    assert elsewhere.status_code == 302
