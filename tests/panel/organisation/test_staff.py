"""Staff in the panel: invitations (seats, email, accept as a new or an existing login, expired and used links),
role changes and deactivation with the last owner protected."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from stampcard.merchants import services as merchants_services
from stampcard.merchants import staffing
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import BillingInterval, Invitation, Membership, Plan, Role, StaffUser
from tests.conftest import reload
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(shop):
    merchants_services.subscription_change(
        merchant=shop.merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=1
    )


def _invite(client, email="new@example.com", role="cashier", **extra):
    with_commit = {"email": email, "role": role, **extra}
    return client.post(reverse("panel:staff-invite"), with_commit)


def _token_from_mail() -> str:
    match = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body)
    assert match
    return match.group(1)


def test_the_owner_invites_by_email_and_the_token_is_stored_hashed(
    shop, owner_client, paid, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(owner_client, locations=[shop.location.pk])
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new@example.com")
    assert list(invitation.locations.all()) == [shop.location]
    assert mail.outbox[-1].to == ["new@example.com"]
    token = _token_from_mail()
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert "new@example.com" in owner_client.get(reverse("panel:staff")).content.decode()


def test_a_new_person_accepts_with_name_and_password(shop, owner_client, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, role="manager")
    token = _token_from_mail()
    visitor = Client()
    assert "Join Blue Cup" in visitor.get(f"/invite/{token}/").content.decode()
    mismatch = visitor.post(f"/invite/{token}/", {"full_name": "Ira", "password1": "a-long-pass-42", "password2": "x"})
    assert mismatch.context["form"].errors["password2"]
    weak = visitor.post(f"/invite/{token}/", {"full_name": "Ira", "password1": "12345678", "password2": "12345678"})
    assert weak.context["form"].errors["password1"]
    response = visitor.post(
        f"/invite/{token}/", {"full_name": "Ira", "password1": "a-long-pass-42", "password2": "a-long-pass-42"}
    )
    assert response.status_code == 302
    user = StaffUser.objects.get(email="new@example.com")
    assert user.full_name == "Ira" and user.check_password("a-long-pass-42") and not user.is_staff
    assert Membership.objects.get(user=user, merchant=shop.merchant).role == Role.MANAGER
    assert visitor.get(reverse("panel:dashboard")).status_code == 200
    # The link works once.
    again = Client().get(f"/invite/{token}/")
    assert again.status_code == 404
    assert "not valid" in again.content.decode()


def test_someone_with_a_login_signs_in_and_accepts(shop, owner_client, paid, django_capture_on_commit_callbacks):
    person = StaffUserFactory(email="barista@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, email="Barista@Example.com")
    token = _token_from_mail()
    anonymous = Client().get(f"/invite/{token}/").content.decode()
    assert "Sign in to accept" in anonymous
    stranger = Client()
    stranger.force_login(StaffUserFactory())
    assert "This invitation was sent to barista@example.com" in stranger.post(f"/invite/{token}/").content.decode()
    assert not Membership.objects.filter(user=person).exists()
    browser = Client()
    browser.force_login(person)
    assert browser.post(f"/invite/{token}/").status_code == 302
    assert Membership.objects.get(user=person, merchant=shop.merchant).role == Role.CASHIER


def test_an_expired_link_is_refused(shop, owner_client, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client)
    token = _token_from_mail()
    Invitation.objects.update(expires_at=reload(Invitation.objects.get()).created_at - timedelta(days=1))
    response = Client().post(
        f"/invite/{token}/", {"full_name": "X", "password1": "a-long-pass-42", "password2": "a-long-pass-42"}
    )
    assert response.status_code == 409
    assert "expired" in response.content.decode()
    assert not StaffUser.objects.filter(email="new@example.com").exists()


def test_the_seat_limit_refuses_clearly(shop, owner_client):
    # Free plan: one seat, and the shop has three people already.
    response = _invite(owner_client)
    assert response.status_code == 200
    assert "seats" in str(response.context["form"].non_field_errors())
    assert not Invitation.objects.exists()
    assert "seat-limit" in owner_client.get(reverse("panel:staff")).content.decode()


def test_pending_invitations_hold_seats(shop, paid):
    owner = shop.staff[Role.OWNER]
    actor = _actor(owner.membership)
    assert staffing.seats_used(merchant=shop.merchant) == 3
    staffing.invitation_create(actor=actor, email="a@example.com", role=Role.CASHIER)
    assert staffing.seats_used(merchant=shop.merchant) == 4
    # Inviting the same email again replaces the pending invitation, one per email.
    staffing.invitation_create(actor=actor, email="a@example.com", role=Role.MANAGER)
    assert staffing.seats_used(merchant=shop.merchant) == 4
    assert Invitation.objects.filter(cancelled_at__isnull=True).get().role == Role.MANAGER


def test_already_on_the_staff_is_refused(shop, owner_client, paid):
    response = _invite(owner_client, email=shop.staff[Role.CASHIER].membership.user.email)
    assert "already on the staff" in str(response.context["form"].non_field_errors())


def test_a_bad_email_is_refused(owner_client, paid):
    assert _invite(owner_client, email="not-an-email").context["form"].errors["email"]


def test_role_and_locations_change(shop, owner_client):
    cashier = shop.staff[Role.CASHIER].membership
    response = owner_client.post(
        reverse("panel:staff-edit", args=[cashier.pk]), {"role": "manager", "locations": [shop.location.pk]}
    )
    assert response.status_code == 302
    cashier = reload(cashier)
    assert cashier.role == Role.MANAGER and list(cashier.locations.all()) == [shop.location]


def test_the_last_owner_cannot_demote_or_deactivate_themselves(shop, owner_client):
    owner = shop.staff[Role.OWNER].membership
    response = owner_client.post(reverse("panel:staff-edit", args=[owner.pk]), {"role": "manager"})
    assert "at least one active owner" in str(response.context["form"].non_field_errors())
    owner_client.post(reverse("panel:staff-deactivate", args=[owner.pk]))
    owner = reload(owner)
    assert owner.role == Role.OWNER and owner.is_active
    # With a second owner, the first may step down.
    manager = shop.staff[Role.MANAGER].membership
    owner_client.post(reverse("panel:staff-edit", args=[manager.pk]), {"role": "owner"})
    owner_client.post(reverse("panel:staff-edit", args=[owner.pk]), {"role": "manager"})
    assert reload(owner).role == Role.MANAGER


def test_deactivated_staff_keys_stop_working(shop, owner_client, client):
    cashier = shop.staff[Role.CASHIER]
    assert owner_client.post(reverse("panel:staff-deactivate", args=[cashier.membership.pk])).status_code == 302
    assert not reload(cashier.membership).is_active
    assert client.get("/api/v1/merchant", HTTP_AUTHORIZATION=f"Bearer {cashier.raw_key}").status_code == 401


def test_an_invitation_is_withdrawn(shop, owner_client, paid):
    invitation, token = staffing.invitation_create(
        actor=_actor(shop.staff[Role.OWNER].membership), email="w@example.com", role=Role.CASHIER
    )
    owner_client.post(reverse("panel:staff-invitation-cancel", args=[invitation.pk]))
    assert reload(invitation).cancelled_at is not None
    assert Client().get(f"/invite/{token}/").status_code == 404


def test_managers_and_cashiers_have_no_staff_pages(manager_client, cashier_client):
    assert manager_client.get(reverse("panel:staff")).status_code == 403
    assert cashier_client.get(reverse("panel:staff-invite")).status_code == 403


def _actor(membership):
    return Actor(merchant=membership.merchant, channel=Channel.PANEL, user=membership.user, membership=membership)
