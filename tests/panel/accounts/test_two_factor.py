"""Two-factor sign-in with an authenticator app (TOTP) and backup codes, on django-otp."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from stampcard.merchants.models import Role
from stampcard.panel.accounts import two_factor
from stampcard.panel.accounts.two_factor import CODE_ATTEMPTS_PER_USER
from stampcard.panel.accounts.views import SESSION_BACKUP_CODES
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def code_of(device: TOTPDevice, *, later: int = 0) -> str:
    """The app's code now, or ``later`` steps on (a code once used is refused again, so a second use needs the next;
    the device accepts one step of drift)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += later * device.step
    return f"{totp.token():06d}"


def turn_on(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    client.post("/account/security/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/security/confirm/", {"code": code_of(device)})
    assert response.status_code == 302, response.content.decode()
    codes = client.session[SESSION_BACKUP_CODES]
    return TOTPDevice.objects.get(pk=device.pk), codes


@pytest.fixture
def owner(shop):
    return shop.staff[Role.OWNER].membership.user


def sign_in_password(user) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_turning_on_shows_a_qr_then_the_backup_codes_once(shop, owner):
    client = signed_in(shop, Role.OWNER)
    client.post("/account/security/")
    page = client.get("/account/security/").content.decode()
    assert 'data-testid="totp-qr"' in page and "<svg" in page
    device = TOTPDevice.objects.get(user=owner, confirmed=False)

    client.post("/account/security/confirm/", {"code": code_of(device)})
    shown = client.get("/account/security/").content.decode()
    shown_again = client.get("/account/security/").content.decode()

    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert 'data-testid="backup-codes"' in shown
    assert StaticToken.objects.filter(device__user=owner).count() == two_factor.BACKUP_CODES
    assert all(token.token in shown for token in StaticToken.objects.filter(device__user=owner))
    assert 'data-testid="backup-codes"' not in shown_again
    # The session that turned it on stays in.
    assert client.get("/panel/").status_code == 200


def test_a_wrong_confirmation_code_leaves_it_off(shop, owner):
    client = signed_in(shop, Role.OWNER)
    client.post("/account/security/")
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = client.post("/account/security/confirm/", {"code": wrong})

    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert not two_factor.second_factor_on(owner)


def test_signing_in_asks_for_the_code_before_the_panel_opens(shop, owner):
    device, _codes = turn_on(signed_in(shop, Role.OWNER), owner)

    client = Client()
    after_password = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert after_password["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get("/panel/")["Location"].startswith("/login/")

    after_code = client.post("/login/code/", {"code": code_of(device, later=1)})

    assert after_code["Location"] == "/panel/"
    assert client.get("/panel/").status_code == 200


def test_a_wrong_code_keeps_the_visitor_out(shop, owner):
    device, _codes = turn_on(signed_in(shop, Role.OWNER), owner)
    client = sign_in_password(owner)
    wrong = f"{(int(code_of(device)) + 500_000) % 1_000_000:06d}"

    response = client.post("/login/code/", {"code": wrong})

    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_backup_code_signs_in_once(shop, owner):
    _device, codes = turn_on(signed_in(shop, Role.OWNER), owner)

    first = sign_in_password(owner)
    assert first.post("/login/code/", {"code": codes[0].upper()})["Location"] == "/panel/"
    second = sign_in_password(owner)
    reused = second.post("/login/code/", {"code": codes[0]})

    assert "not right" in reused.content.decode()
    assert StaticToken.objects.filter(device__user=owner).count() == two_factor.BACKUP_CODES - 1


def test_wrong_codes_are_limited_and_then_even_a_right_one_waits(shop, owner):
    device, _codes = turn_on(signed_in(shop, Role.OWNER), owner)
    client = sign_in_password(owner)
    for _ in range(CODE_ATTEMPTS_PER_USER[0]):
        client.post("/login/code/", {"code": "000000"})

    refused = client.post("/login/code/", {"code": code_of(device)})

    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_signed_in_before_two_factor_was_turned_on_must_give_a_code(shop, owner):
    earlier = signed_in(shop, Role.OWNER)  # another device, signed in with the password only
    device, _codes = turn_on(signed_in(shop, Role.OWNER), owner)

    refused = earlier.get("/panel/business/")
    assert refused["Location"].startswith("/login/code/")

    earlier.post("/login/code/?next=/panel/business/", {"code": code_of(device, later=1)})
    assert earlier.get("/panel/business/").status_code == 200


def test_turning_off_needs_the_password_and_a_code(shop, owner):
    client = signed_in(shop, Role.OWNER)
    device, _codes = turn_on(client, owner)

    wrong_password = client.post("/account/security/disable/", {"password": "nope", "code": code_of(device, later=1)})
    assert wrong_password.status_code == 400
    assert two_factor.second_factor_on(owner)

    client.post("/account/security/disable/", {"password": PASSWORD, "code": code_of(device, later=1)})

    assert not two_factor.second_factor_on(owner)
    assert sign_in_password(owner).get("/panel/").status_code == 200


def test_new_backup_codes_replace_the_old_ones(shop, owner):
    client = signed_in(shop, Role.OWNER)
    device, old = turn_on(client, owner)

    client.post("/account/security/backup-codes/", {"code": code_of(device, later=1)})
    new = client.session[SESSION_BACKUP_CODES]

    assert set(new).isdisjoint(old)
    assert set(StaticToken.objects.filter(device__user=owner).values_list("token", flat=True)) == set(new)


def test_cashiers_have_no_two_factor_page(shop):
    assert signed_in(shop, Role.CASHIER).get("/account/security/").status_code == 403
    assert signed_in(shop, Role.MANAGER).get("/account/security/").status_code == 200
