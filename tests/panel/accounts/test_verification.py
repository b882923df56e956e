"""Email verification: a signed link that expires, a notice with "send again" until it is opened."""

import time
from datetime import timedelta

import pytest
from django.core import mail, signing

from stampcard.core.throttle import ThrottleExceeded
from stampcard.merchants.models import Role, StaffUser
from stampcard.panel.accounts import verification
from stampcard.panel.accounts.verification import RESEND_LIMIT, verification_token
from tests.factories import StaffUserFactory
from tests.panel.accounts.conftest import link_in
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_link_from_the_sign_up_email_confirms_the_address(client, signup_data):
    client.post("/signup/", signup_data)

    response = client.get(link_in(mail.outbox[0]))

    assert response.status_code == 200
    assert StaffUser.objects.get(email="olena@example.com").email_verified_at is not None
    assert 'data-testid="verify-notice"' not in client.get("/panel/").content.decode()


def test_an_expired_link_is_refused_and_says_so(client, monkeypatch):
    user = StaffUserFactory()
    issued = time.time() - (verification.MAX_AGE + timedelta(minutes=1)).total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: issued)  # the link was signed that long ago
        token = verification_token(user=user)

    response = client.get(f"/account/verify/{token}/")

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_tampered_link_is_refused(client):
    user = StaffUserFactory()
    token = verification_token(user=user)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.get(f"/account/verify/{forged}/")

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_for_another_purpose_signed_by_us_is_refused(client):
    user = StaffUserFactory()
    other = signing.dumps({"u": str(user.pk), "e": user.email}, salt="something.else")

    assert client.get(f"/account/verify/{other}/").status_code == 400


def test_the_dashboard_sends_the_link_again_until_the_limit(shop):
    owner = shop.staff[Role.OWNER].membership.user
    client = signed_in(shop, Role.OWNER)
    assert 'data-testid="verify-notice"' in client.get("/panel/").content.decode()

    for _ in range(RESEND_LIMIT[0]):
        response = client.post("/account/verify/resend/", {"next": "/panel/"})
        assert response["Location"] == "/panel/"
    refused = client.post("/account/verify/resend/", {"next": "/panel/"}, follow=True)

    assert len(mail.outbox) == RESEND_LIMIT[0]
    assert all(message.to == [owner.email] for message in mail.outbox)
    assert "several times already" in refused.content.decode()


def test_a_verified_login_gets_no_more_links(shop):
    user = shop.staff[Role.CASHIER].membership.user
    client = signed_in(shop, Role.CASHIER)
    client.get(f"/account/verify/{verification_token(user=user)}/")

    client.post("/account/verify/resend/")

    assert mail.outbox == []


def test_the_resend_limit_is_per_login():
    user = StaffUserFactory()
    for _ in range(RESEND_LIMIT[0]):
        verification.verification_resend_allowed(user=user)
    with pytest.raises(ThrottleExceeded):
        verification.verification_resend_allowed(user=user)
    verification.verification_resend_allowed(user=StaffUserFactory())


def test_a_link_just_within_its_days_still_works(client, monkeypatch):
    user = StaffUserFactory()
    issued = time.time() - (verification.MAX_AGE - timedelta(minutes=5)).total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: issued)
        token = verification_token(user=user)

    assert client.get(f"/account/verify/{token}/").status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at is not None
