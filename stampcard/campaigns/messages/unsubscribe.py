"""Unsubscribing from marketing email through a link of one email (RFC 8058 one-click, or the confirmation page).

The link carries a signed delivery id (``django.core.signing``, salted for this use), not the customer's id or
email: it cannot be forged or turned into another customer's, and it names the email that led to it. It never
expires (an email read a year later still unsubscribes). Unsubscribing withdraws the customer's marketing consent
and records it (``EmailUnsubscribe``); doing it again changes nothing.
"""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse

from stampcard.campaigns.messages.models import EmailUnsubscribe, MessageDelivery
from stampcard.core.errors import NotFound
from stampcard.customers.models import Customer

SALT = "campaigns.messages.unsubscribe"


def unsubscribe_token(delivery: MessageDelivery) -> str:
    return signing.dumps(delivery.pk, salt=SALT)


def unsubscribe_url(delivery: MessageDelivery) -> str:
    return settings.BASE_URL + reverse("messages:unsubscribe", args=[unsubscribe_token(delivery)])


# What ``signing.dumps`` writes (URL-safe base64 and ":"): characters ``reverse`` leaves as they are.
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_:-]+")


def unsubscribe_urls() -> Callable[[MessageDelivery], str]:
    """``unsubscribe_url`` for the many deliveries of a sending round: the URL pattern reversed once, each delivery's
    token put in its place (a token ``reverse`` would have quoted takes the long way)."""
    mark = "0token0"
    before, found, after = (settings.BASE_URL + reverse("messages:unsubscribe", args=[mark])).partition(mark)

    def url(delivery: MessageDelivery) -> str:
        token = unsubscribe_token(delivery)
        if found and _PLAIN_TOKEN.fullmatch(token):
            return before + token + after
        return unsubscribe_url(delivery)

    return url


def delivery_by_token(token: str) -> MessageDelivery:
    """The delivery a link names (with its customer and merchant), or NotFound for a token that is not ours."""
    try:
        delivery_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise NotFound() from None
    found = (
        MessageDelivery.objects.filter(pk=delivery_id).select_related("customer", "merchant", "card__program").first()
    )
    if found is None:
        raise NotFound()
    return found


def email_unsubscribe(*, delivery: MessageDelivery, one_click: bool = False) -> bool:
    """Withdraw the marketing consent of the delivery's customer; True when it was withdrawn now, False when it
    already was (the same link again, or another email's)."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=delivery.customer_id)
        if not customer.marketing_email_consent:
            return False
        Customer.objects.filter(pk=customer.pk).update(marketing_email_consent=False, marketing_email_consent_at=None)
        try:
            with transaction.atomic():
                EmailUnsubscribe.objects.create(
                    merchant_id=delivery.merchant_id, customer=customer, delivery=delivery, one_click=one_click
                )
        except IntegrityError:
            pass  # this link unsubscribed them before, and they agreed again since: the first record stands
    return True


def customer_unsubscribed(*, customer_id: uuid.UUID) -> bool:
    """Whether the customer withdrew through a link (and did not agree again since: then consent is back on)."""
    return EmailUnsubscribe.objects.filter(customer_id=customer_id).exists()
