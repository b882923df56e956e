"""The staff of a merchant from the panel: invitations by email (accepted by a new or an existing login), role and
locations changes, deactivation. Only an owner does these; a business always keeps one active owner.

Seats: a plan's seats count active memberships plus pending invitations (an invitation holds its seat until it is
accepted, withdrawn or expires), all counted under the subscription's row lock.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from stampcard.core import clock
from stampcard.core.errors import Conflict, NotFound, ValidationFailed
from stampcard.merchants import errors, keycache, locks
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Invitation, Location, Membership, Merchant, Role, StaffUser, Subscription
from stampcard.merchants.plans import limits_for
from stampcard.merchants.services import ensure_role, staff_user_create

INVITATION_TTL = timedelta(days=7)
TOKEN_BYTES = 32


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _pending(merchant: Merchant) -> "Q":
    return Q(merchant=merchant, accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=clock.now())


def invitations_pending(*, merchant: Merchant) -> "QuerySet[Invitation]":
    return Invitation.objects.filter(_pending(merchant)).prefetch_related("locations").order_by("-created_at")


def invitation_get_for_merchant(*, merchant: Merchant, invitation_id: str | uuid.UUID) -> Invitation:
    try:
        return Invitation.objects.get(merchant=merchant, pk=uuid.UUID(str(invitation_id)))
    except (ValueError, Invitation.DoesNotExist):
        raise NotFound(code="invitation_not_found", invitation_id=str(invitation_id)) from None


def seats_used(*, merchant: Merchant) -> int:
    """Active memberships plus pending invitations."""
    members = Membership.objects.filter(merchant=merchant, is_active=True).count()
    return members + Invitation.objects.filter(_pending(merchant)).count()


def _seat_check(*, subscription: Subscription, merchant: Merchant, freeing: int = 0) -> None:
    seats = limits_for(subscription).seats
    if seats is not None and seats_used(merchant=merchant) - freeing >= seats:
        raise errors.SeatLimitReached(
            _(
                "All %(seats)s staff seats of your plan are taken (pending invitations count too). "
                "Upgrade the plan or deactivate someone first."
            )
            % {"seats": seats},
            seats=seats,
        )


def _locations_check(merchant: Merchant, locations: list[Location]) -> None:
    if any(location.merchant_id != merchant.pk for location in locations):
        raise ValidationFailed(code="location_not_found", field="locations")


@transaction.atomic
def invitation_create(
    *, actor: Actor, email: str, role: Role, locations: list[Location] | None = None
) -> tuple[Invitation, str]:
    """Invite ``email`` with ``role``; the email with the link goes out after the commit. Inviting the same email
    again replaces the earlier pending invitation (a new link, a new expiry).

    Raises RoleForbidden, SeatLimitReached, Conflict (already on the staff) or ValidationFailed."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    merchant = actor.merchant
    email = StaffUser.objects.normalize_email(email.strip()).lower()
    if not email or "@" not in email:
        raise ValidationFailed(
            _("Enter the email address to send the invitation to."), code="email_invalid", field="email"
        )
    _locations_check(merchant, locations or [])
    subscription = locks.subscription_lock(merchant=merchant)
    if Membership.objects.filter(merchant=merchant, user__email=email, is_active=True).exists():
        raise Conflict(
            _("%(email)s is already on the staff.") % {"email": email}, code="membership_exists", field="email"
        )
    earlier = Invitation.objects.filter(
        merchant=merchant, email=email, accepted_at__isnull=True, cancelled_at__isnull=True
    )
    replaced = earlier.filter(expires_at__gt=clock.now()).count()
    _seat_check(subscription=subscription, merchant=merchant, freeing=replaced)
    earlier.update(cancelled_at=clock.now())
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation.objects.create(
        merchant=merchant,
        email=email,
        role=role,
        token_hash=_token_hash(raw),
        invited_by=actor.user,
        expires_at=clock.now() + INVITATION_TTL,
    )
    invitation.locations.set(locations or [])
    transaction.on_commit(lambda: _send(invitation=invitation, raw_token=raw, merchant=merchant, inviter=actor.user))
    return invitation, raw


def invitation_url(raw_token: str) -> str:
    return f"{settings.BASE_URL}/invite/{raw_token}/"


def _send(*, invitation: Invitation, raw_token: str, merchant: Merchant, inviter: StaffUser | None) -> None:
    with translation.override(merchant.locale or settings.LANGUAGE_CODE):
        subject = _("You are invited to join %(merchant)s on stampcard") % {"merchant": merchant.name}
        body = _(
            "Hello,\n\n%(inviter)s invites you to the staff of %(merchant)s as %(role)s.\n\n"
            "Open this link to accept, set your name and password (or sign in if you already have a login):\n"
            "%(url)s\n\nThe link works for %(days)s days. If you did not expect this, ignore this email.\n"
        ) % {
            "inviter": (inviter.full_name or inviter.email) if inviter else merchant.name,
            "merchant": merchant.name,
            "role": Role(invitation.role).label,
            "url": invitation_url(raw_token),
            "days": INVITATION_TTL.days,
        }
    send_mail(subject, body, None, [invitation.email])


def invitation_get(*, raw_token: str, lock: bool = False) -> Invitation:
    """The invitation a link names. Raises InvitationInvalid (unknown, used, withdrawn) or InvitationExpired."""
    invitations = Invitation.objects.select_related("merchant")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=_token_hash(raw_token or "")).first()
    if invitation is None or invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise errors.InvitationInvalid()
    if invitation.expires_at <= clock.now():
        raise errors.InvitationExpired()
    return invitation


@transaction.atomic
def invitation_accept(*, raw_token: str, user: StaffUser) -> Membership:
    """``user`` (whose email the invitation was sent to) joins the staff. Accepting twice: the second is refused
    (InvitationInvalid). The seat was held by the invitation, so no seat check here."""
    invitation = invitation_get(raw_token=raw_token, lock=True)
    if user.email.lower() != invitation.email.lower():
        raise errors.InvitationForSomeoneElse()
    membership = Membership.objects.filter(merchant=invitation.merchant, user=user).first()
    if membership is None:
        membership = Membership.objects.create(merchant=invitation.merchant, user=user, role=invitation.role)
    else:  # someone who left comes back (their history stays on the same membership)
        membership.role, membership.is_active = invitation.role, True
        membership.save(update_fields=["role", "is_active"])
    membership.locations.set(invitation.locations.all())
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=clock.now(), accepted_by=user)
    return membership


@transaction.atomic
def invitation_accept_new_login(*, raw_token: str, full_name: str, password: str) -> Membership:
    """A new person sets their name and password and joins. Raises InvitationInvalid/Expired or Conflict (a login
    with that email exists: they sign in instead)."""
    invitation = invitation_get(raw_token=raw_token, lock=True)
    if StaffUser.objects.filter(email=invitation.email).exists():
        raise Conflict(_("A login with this email exists: sign in to accept."), code="login_exists")
    user = staff_user_create(email=invitation.email, password=password, full_name=full_name.strip())
    # The invitation reached this address, so the address is verified.
    StaffUser.objects.filter(pk=user.pk).update(email_verified_at=clock.now())
    return invitation_accept(raw_token=raw_token, user=user)


def invitation_cancel(*, actor: Actor, invitation: Invitation) -> Invitation:
    ensure_role(actor=actor, minimum=Role.OWNER)
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=clock.now()
    )
    invitation.refresh_from_db(fields=["cancelled_at"])
    return invitation


def _owners_left(*, merchant: Merchant, without: Membership) -> bool:
    return (
        Membership.objects.filter(merchant=merchant, role=Role.OWNER, is_active=True, user__is_active=True)
        .exclude(pk=without.pk)
        .exists()
    )


@transaction.atomic
def membership_update(*, actor: Actor, membership: Membership, role: Role, locations: list[Location]) -> Membership:
    """Change a staff member's role and locations. Raises LastOwner when it would leave no active owner."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    _locations_check(actor.merchant, locations)
    locks.subscription_lock(merchant=actor.merchant)  # serialises owner changes: two owners demoting each other
    membership = Membership.objects.select_for_update().get(pk=membership.pk, merchant=actor.merchant)
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and not _owners_left(merchant=actor.merchant, without=membership)
    ):
        raise errors.LastOwner()
    membership.role = role
    membership.save(update_fields=["role"])
    membership.locations.set(locations)
    return membership


@transaction.atomic
def membership_deactivate(*, actor: Actor, membership: Membership) -> Membership:
    """Take someone off the staff: their keys and devices stop working. Never the last active owner."""
    ensure_role(actor=actor, minimum=Role.OWNER)
    locks.subscription_lock(merchant=actor.merchant)
    membership = Membership.objects.select_for_update().get(pk=membership.pk, merchant=actor.merchant)
    if membership.role == Role.OWNER and not _owners_left(merchant=actor.merchant, without=membership):
        raise errors.LastOwner()
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    keycache.api_keys_forget()
    return membership
