"""Proving a staff login's email: a signed, expiring link (Django's signing, keyed by SECRET_KEY) mailed to it.

The link names the login and the address it proves. For a new address (the profile page) it also names the current
one, so it stops working once the email changed otherwise, and opening it is what moves the login to the new address.
An unverified login is not blocked anywhere: the dashboard shows a notice with a "send again" button until it is.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from stampcard.core import clock
from stampcard.core.throttle import Limit, throttle_take
from stampcard.merchants.models import StaffUser

logger = logging.getLogger(__name__)

SALT = "stampcard.panel.verify-email"
MAX_AGE = timedelta(days=3)
# "Send again" per login: a few tries for a slow mailbox, not a way to mail-bomb an address.
RESEND_LIMIT = (3, 60 * 60)


class LinkInvalid(Exception):
    """Tampered with, expired, or no longer matching the login."""

    def __init__(self, *, expired: bool = False) -> None:
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


@dataclass(frozen=True)
class Verified:
    user: StaffUser
    changed: bool  # the link moved the login to a new address


def verification_token(*, user: StaffUser, email: str | None = None) -> str:
    payload = {"u": str(user.pk), "e": email or user.email}
    if email and email != user.email:
        payload["from"] = user.email
    return signing.dumps(payload, salt=SALT, compress=True)


def verification_url(*, user: StaffUser, email: str | None = None) -> str:
    token = verification_token(user=user, email=email)
    return settings.BASE_URL + reverse("panel:verify-email", kwargs={"token": token})


def email_verify(*, token: str) -> Verified:
    """Mark the address the link proves as verified (moving the login to it when it is a new one)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise LinkInvalid(expired=True) from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    with transaction.atomic():
        user = StaffUser.objects.select_for_update().filter(pk=payload.get("u"), is_active=True).first()
        if user is None:
            raise LinkInvalid()
        email = str(payload.get("e") or "")
        if user.email == email:
            if user.email_verified_at is None:
                user.email_verified_at = clock.now()
                user.save(update_fields=["email_verified_at"])
            return Verified(user=user, changed=False)
        if payload.get("from") != user.email:
            raise LinkInvalid()  # the login has moved on since this link was sent
        user.email, user.email_verified_at = email, clock.now()
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "email_verified_at"])
        except IntegrityError:  # someone took the address meanwhile
            raise LinkInvalid() from None
    return Verified(user=user, changed=True)


def verification_send(*, user: StaffUser, email: str | None = None) -> bool:
    """Mail the link (to ``email`` for a change of address). False when the mail server refused it."""
    to = email or user.email
    with translation.override(user.language or translation.get_language()):
        context = {"user": user, "url": verification_url(user=user, email=email), "days": MAX_AGE.days}
        subject = render_to_string("panel/accounts/email/verify_subject.txt", context).strip()
        body = render_to_string("panel/accounts/email/verify_body.txt", context)
    try:
        send_mail(subject, body, None, [to])
    except (smtplib.SMTPException, OSError):
        logger.warning("verification email to user %s not sent", user.pk, exc_info=True)
        return False
    return True


def verification_resend_allowed(*, user: StaffUser) -> None:
    """Take a slot of the resend limit; raises ThrottleExceeded when used up."""
    throttle_take(limits=[Limit(f"panel-verify-resend:{user.pk}", *RESEND_LIMIT)])
