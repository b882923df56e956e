"""A customer's own data-rights requests from their web card: "Download my data" and "Delete my data".

Whoever holds the card's link may ask, but only the owner of the email saved with the card can confirm: a six-digit
code is sent there, valid ten minutes for five attempts, stored as a keyed hash (like lost-phone recovery). Requests
are limited per card and per IP in the database. A confirmed code runs the same services as the merchant's panel and
API (``customers.privacy``), as the customer themselves.
"""

import logging
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from stampcard.cards import ledger
from stampcard.cards.models import Card, EventKind
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, LimitReached, ValidationFailed
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take
from stampcard.customers import privacy
from stampcard.customers.languages import customer_language
from stampcard.customers.models import Customer, CustomerErasure
from stampcard.merchants.actors import Actor, Channel
from stampcard.public.emailcodes import CODE_TTL, code_new, code_spend
from stampcard.public.models import DataRightsCode, DataRightsKind, RecoveryCode
from stampcard.public.recovery import email_hash

logger = logging.getLogger(__name__)

CARD_LIMITS = ((3, 15 * 60), (10, 24 * 3600))  # (requests, per seconds)
IP_LIMIT = (20, 3600)


class DataRequestFailed(ApplicationError):
    status = 400
    code = "data_request_failed"
    default_message = _("This code can no longer be used. Ask for a new one.")


def _code_hash(*, request_card_id: int, code: str) -> str:
    return salted_hmac("stampcard.public.datarights.code", f"{request_card_id}:{code}", algorithm="sha256").hexdigest()


def data_request_start(*, card: Card, kind: DataRightsKind, ip: str = "") -> DataRightsCode:
    """Email a confirmation code for ``kind`` to the card's customer. Raises ValidationFailed when the card has no
    email (the customer must ask at the counter) and LimitReached when the card or the IP asked too often."""
    customer: Customer = card.customer
    if not customer.email:
        raise ValidationFailed(
            _("No email is saved with this card, so we cannot confirm it is you. Ask at the counter."),
            code="email_missing",
        )
    limits = [Limit(f"data-card:{card.pk}:{window}", limit, window) for limit, window in CARD_LIMITS]
    if ip:
        limits.append(Limit(f"data-ip:{salted_hmac('stampcard.public.datarights.ip', ip).hexdigest()}", *IP_LIMIT))
    try:
        throttle_take(limits=limits)
    except ThrottleExceeded as refused:
        raise LimitReached(code="too_many_requests", retry_after=refused.retry_after) from None
    code = code_new()
    now = clock.now()
    with transaction.atomic():
        DataRightsCode.objects.filter(card=card, used_at=None, expires_at__gt=now).update(expires_at=now)
        row = DataRightsCode.objects.create(
            card=card, kind=kind, code_hash=_code_hash(request_card_id=card.pk, code=code), expires_at=now + CODE_TTL
        )
        email, merchant, language = customer.email, card.merchant, customer_language(customer)
        ledger.ledger_note(
            card=card,
            kind=EventKind.MESSAGE_SENT,
            actor=Actor(merchant=merchant, channel=Channel.PUBLIC),
            message="data_rights_code",
            by="email",
            request=str(kind),
        )
        transaction.on_commit(
            lambda: _send_code(email=email, code=code, kind=kind, merchant=merchant, language=language)
        )
    return row


def _send_code(*, email: str, code: str, kind: DataRightsKind, merchant: Any, language: str) -> None:
    with translation.override(language):
        context = {
            "code": code,
            "minutes": int(CODE_TTL.total_seconds() // 60),
            "merchant_name": merchant.name,
            "erase": kind == DataRightsKind.ERASE,
        }
        subject = " ".join(render_to_string("join/email/data_rights_subject.txt", context).split())
        body = render_to_string("join/email/data_rights_body.txt", context)
    try:
        send_mail(subject, body, None, [email])
    except Exception:
        logger.exception("could not send a data-rights code")


def data_request_confirm(*, card: Card, request_id: int, code: str) -> dict[str, Any] | CustomerErasure:
    """Check the code of a request on ``card``; on success run it: the export (a JSON-able dict) or the erasure.

    Raises ValidationFailed (field ``code``) for a wrong code while attempts remain, DataRequestFailed when the code
    expired, was used, was replaced by a newer one or ran out of attempts.
    """
    row = code_spend(
        DataRightsCode.objects.filter(card=card),
        pk=request_id,
        code=code,
        hashed=lambda row, code: _code_hash(request_card_id=row.card_id, code=code),
        locked=DataRequestFailed(_("Too many wrong codes. Ask for a new one."), code="data_request_locked"),
    )
    if row is None:
        raise DataRequestFailed()
    actor = Actor(merchant=card.merchant, channel=Channel.PUBLIC)
    customer = card.customer
    if row.kind == DataRightsKind.EXPORT:
        return privacy.customer_data_export(actor=actor, customer=customer, by_customer=True)
    return privacy.customer_erase(actor=actor, customer=customer, by_customer=True)


def data_request_kind(*, card: Card, request_id: int) -> DataRightsKind | None:
    row = DataRightsCode.objects.filter(pk=request_id, card=card).only("kind").first()
    return DataRightsKind(row.kind) if row is not None else None


def recovery_codes_forget(customer: Customer) -> None:
    """An erased customer's lost-phone recovery rows go too: they hold the hash of the email (an ``erase_followers``
    hook, registered in ``public.apps``)."""
    if customer.email:
        RecoveryCode.objects.filter(email_hash=email_hash(customer.email)).delete()
