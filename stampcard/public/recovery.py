"""Lost phone: restore a customer's cards on a new device with a one-time code sent to their email.

The answer to a request is the same whether the email is known or not (no enumeration): an unknown email gets a row
too, holding the hash of a code nobody was sent, so the code page and its attempt counter behave identically. Codes
are six digits, valid ten minutes, good for five attempts, and a new request retires the older codes of that email.
Requests are limited per email and per IP in the database (``ratelimit``).
"""

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from stampcard.cards import errors as cards_errors
from stampcard.cards import services as cards_services
from stampcard.cards.models import Card, Program
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, LimitReached, ValidationFailed
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take
from stampcard.customers import services as customers_services
from stampcard.customers.languages import customer_language
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor, Channel
from stampcard.public.emailcodes import CODE_TTL, MAX_ATTEMPTS, code_new, code_spend
from stampcard.public.models import RecoveryCode

logger = logging.getLogger(__name__)

EMAIL_LIMITS = ((3, 15 * 60), (10, 24 * 3600))  # (requests, per seconds)
IP_LIMIT = (20, 3600)


class RecoveryFailed(ApplicationError):
    status = 400
    code = "recovery_failed"
    default_message = _("This code can no longer be used. Ask for a new one.")


def _digest(purpose: str, value: str) -> str:
    return salted_hmac(f"stampcard.public.recovery.{purpose}", value, algorithm="sha256").hexdigest()


def email_hash(email: str) -> str:
    return _digest("email", email)


def _code_hash(*, email_digest: str, code: str) -> str:
    return _digest("code", f"{email_digest}:{code}")


def recovery_request(*, email: str, ip: str = "", program: Program | None = None) -> int:
    """Start a recovery for ``email`` and return the recovery's id (for the code page).

    Emails a code when the address belongs to a customer with a card (of ``program``'s merchant when a program is
    given: recovery started from its join page, whose card will be restored or issued). Raises ValidationFailed for
    a malformed email and LimitReached when the email or the IP asked too often; never says whether the email is
    known.
    """
    email = customers_services.normalize_email(email)
    if not email:
        raise ValidationFailed(_("Enter your email address."), code="email_required", field="email")
    digest = email_hash(email)
    limits = [Limit(f"recover-email:{digest}:{window}", limit, window) for limit, window in EMAIL_LIMITS]
    if ip:
        limits.append(Limit(f"recover-ip:{_digest('ip', ip)}", IP_LIMIT[0], IP_LIMIT[1]))
    try:
        throttle_take(limits=limits)
    except ThrottleExceeded as refused:
        raise LimitReached(code="too_many_requests", retry_after=refused.retry_after) from None

    customers = Customer.objects.filter(email=email)
    if program is not None:
        customers = customers.filter(merchant_id=program.merchant_id)
    else:
        customers = customers.filter(cards__isnull=False).distinct()
    found = list(customers.select_related("merchant"))
    customer_ids = [str(customer.pk) for customer in found]
    # One email to one person: in the language of the customer it restores (the first, when several merchants
    # know the address); a code for nobody is never sent.
    language = customer_language(found[0]) if found else ""

    code = code_new()
    now = clock.now()
    with transaction.atomic():
        RecoveryCode.objects.filter(email_hash=digest, used_at=None, expires_at__gt=now).update(expires_at=now)
        row = RecoveryCode.objects.create(
            email_hash=digest,
            ip_hash=_digest("ip", ip) if ip else "",
            code_hash=_code_hash(email_digest=digest, code=code),
            customer_ids=customer_ids,
            program=program,
            expires_at=now + CODE_TTL,
        )
        if customer_ids:
            merchant_name = program.merchant.name if program is not None else ""
            transaction.on_commit(
                lambda: _send_code(email=email, code=code, merchant_name=merchant_name, language=language)
            )
    return row.pk


def _send_code(*, email: str, code: str, merchant_name: str, language: str) -> None:
    context = {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60), "merchant_name": merchant_name}
    with translation.override(language):
        subject = " ".join(render_to_string("join/email/recovery_subject.txt", context).split())
        body = render_to_string("join/email/recovery_body.txt", context)
    try:
        send_mail(subject, body, None, [email])
    except Exception:
        # The page must answer the same for known and unknown emails, so a mail failure is logged, not shown.
        logger.exception("could not send a recovery code")


def recovery_verify(*, recovery_id: int, code: str) -> list[Card]:
    """Check a code; on success return the cards it restores (issuing the join program's card when missing).

    Raises ValidationFailed (field ``code``) for a wrong code while attempts remain, RecoveryFailed when the code
    expired, was used, was replaced by a newer one or ran out of attempts.
    """
    row = code_spend(
        RecoveryCode.objects.select_related("program"),
        pk=recovery_id,
        code=code,
        hashed=lambda row, code: _code_hash(email_digest=row.email_hash, code=code),
        locked=RecoveryFailed(_("Too many wrong codes. Ask for a new one."), code="recovery_locked"),
    )
    if row is None:
        raise _why_dead(recovery_id)
    return _restored_cards(row)


def _why_dead(recovery_id: int) -> RecoveryFailed:
    row = RecoveryCode.objects.filter(pk=recovery_id).first()
    if row is not None and row.used_at is None and row.attempts >= MAX_ATTEMPTS:
        return RecoveryFailed(_("Too many wrong codes. Ask for a new one."), code="recovery_locked")
    if row is not None and row.used_at is not None:
        return RecoveryFailed(_("This code was already used. Ask for a new one."), code="recovery_used")
    return RecoveryFailed(_("This code has expired. Ask for a new one."), code="recovery_expired")


def _restored_cards(row: RecoveryCode) -> list[Card]:
    cards = Card.objects.filter(customer_id__in=row.customer_ids).select_related("program__merchant")
    program = row.program
    if program is None:
        return list(cards.order_by(F("last_stamp_at").desc(nulls_last=True), "-created_at"))
    found = list(cards.filter(program=program))
    if found:
        return found
    customer = Customer.objects.filter(pk__in=row.customer_ids, merchant_id=program.merchant_id).first()
    if customer is None or not program.is_active:
        return []
    try:
        with transaction.atomic():
            actor = Actor(merchant=program.merchant, channel=Channel.PUBLIC)
            return [cards_services.card_create(customer=customer, program=program, actor=actor)]
    except cards_errors.CardAlreadyEnrolled:
        return list(cards.filter(program=program))


def recovery_codes_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _by_model = RecoveryCode.objects.filter(expires_at__lt=clock.now() - older_than).delete()
    return deleted
