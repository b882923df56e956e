"""The panel's frame: the way in, sign-in and its limits, picking a business, the staff member's language."""

import pytest
from django.test import Client

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.merchants.models import Role, StaffUser
from stampcard.panel import setup
from stampcard.panel.accounts.forms import EMAIL_ATTEMPTS
from stampcard.panel.models import SetupStep
from tests.factories import MembershipFactory
from tests.panel.conftest import signed_in

PASSWORD = "correct horse battery staple"


def test_the_root_sends_a_visitor_to_sign_in_and_staff_to_their_panel(shop, client):
    assert client.get("/")["Location"] == "/login/"
    assert signed_in(shop, Role.CASHIER).get("/")["Location"] == "/panel/"


def test_signing_in_with_email_and_password_opens_the_dashboard(shop, client):
    user = shop.staff[Role.OWNER].membership.user
    response = client.post("/login/", {"username": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/panel/"
    page = client.get("/panel/")
    assert page.status_code == 200
    assert shop.merchant.name in page.content.decode()


def test_a_wrong_password_says_what_to_fix(shop, client):
    user = shop.staff[Role.OWNER].membership.user
    response = client.post("/login/", {"username": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "do not match a staff login" in response.content.decode()


def test_sign_in_attempts_are_limited_per_email(shop, client):
    user = shop.staff[Role.OWNER].membership.user
    for _ in range(EMAIL_ATTEMPTS[0]):
        client.post("/login/", {"username": user.email, "password": "wrong"})
    refused = client.post("/login/", {"username": user.email, "password": PASSWORD})
    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_does_not_use_up_the_limit(shop, client):
    user = shop.staff[Role.OWNER].membership.user
    for _ in range(EMAIL_ATTEMPTS[0] + 2):
        assert client.post("/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
        client.logout()


def test_staff_of_two_businesses_choose_one_and_act_for_it(shop, other_shop):
    user = shop.staff[Role.MANAGER].membership.user
    MembershipFactory(merchant=other_shop.merchant, user=user, role=Role.OWNER)
    client = Client()
    client.force_login(user)
    assert client.get("/panel/")["Location"].startswith("/panel/choose/")
    choice = client.get("/panel/choose/")
    assert shop.merchant.name in choice.content.decode() and other_shop.merchant.name in choice.content.decode()
    chosen = client.post("/panel/choose/", {"merchant": str(other_shop.merchant.pk), "next": "/panel/"})
    assert chosen["Location"] == "/panel/"
    page = client.get("/panel/").content.decode()
    assert other_shop.merchant.name in page
    assert "Switch business" in page


def test_a_business_one_does_not_work_for_cannot_be_chosen(shop, other_shop):
    client = signed_in(shop, Role.OWNER)
    client.post("/panel/choose/", {"merchant": str(other_shop.merchant.pk)})
    assert other_shop.merchant.name not in client.get("/panel/").content.decode()


def test_the_language_follows_the_staff_login(shop):
    user = shop.staff[Role.OWNER].membership.user
    client = signed_in(shop, Role.OWNER)
    client.post("/panel/language/", {"language": "uk", "next": "/panel/"})
    assert StaffUser.objects.get(pk=user.pk).language == "uk"
    # Another device, no cookie, an English browser: still Ukrainian.
    other = Client(headers={"Accept-Language": "en"})
    other.force_login(user)
    page = other.get("/panel/")
    assert page["Content-Language"] == "uk"
    assert "Панель" in page.content.decode() or "Штампи сьогодні" in page.content.decode()


def test_an_unknown_language_changes_nothing(shop):
    client = signed_in(shop, Role.OWNER)
    client.post("/panel/language/", {"language": "xx"})
    assert StaffUser.objects.get(pk=shop.staff[Role.OWNER].membership.user.pk).language == ""


def test_the_language_switch_never_redirects_off_site(shop):
    response = signed_in(shop, Role.OWNER).post("/panel/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/panel/"


def test_a_cashier_sees_the_checklist_but_not_the_figures(shop):
    page = signed_in(shop, Role.CASHIER).get("/panel/").content.decode()
    assert 'data-testid="checklist"' in page
    assert 'data-testid="stamps-today"' not in page


def test_a_stamp_shows_on_the_dashboard_and_ticks_the_first_stamp_step(shop):
    cashier = shop.staff[Role.CASHIER]
    checkouts_services.checkout_commit(
        actor=cashier.actor(),
        card_ref=shop.card.number,
        check=CheckInput(external_id="A-1", total=10000, currency="UAH"),
    )
    page = signed_in(shop, Role.MANAGER).get("/panel/").content.decode()
    assert 'data-testid="stamps-today">1<' in page
    assert shop.card.customer.name in page
    steps = {item.step: item.done for item in setup.setup_checklist(merchant=shop.merchant)}
    assert steps[SetupStep.FIRST_STAMP] and steps[SetupStep.CONNECT_COUNTER]
    assert not steps[SetupStep.PRINT_JOIN_QR]


def test_a_recorded_step_counts_once(shop):
    setup.setup_step_done(merchant=shop.merchant, step=SetupStep.PRINT_JOIN_QR)
    setup.setup_step_done(merchant=shop.merchant, step=SetupStep.PRINT_JOIN_QR)
    steps = {item.step: item.done for item in setup.setup_checklist(merchant=shop.merchant)}
    assert steps[SetupStep.PRINT_JOIN_QR]


@pytest.mark.parametrize("role", [Role.CASHIER, Role.MANAGER, Role.OWNER])
def test_staff_without_an_active_membership_are_refused(shop, role):
    membership = shop.staff[role].membership
    membership.is_active = False
    membership.save()
    assert signed_in(shop, role).get("/panel/").status_code == 403
