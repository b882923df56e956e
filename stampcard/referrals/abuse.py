"""Why a friend's join through a referral link does not count, if it does not.

Checked once, when the friend joins (``services.referral_join``), in this order:

- self-referral: the friend is the referrer under another name: the same normalised email (no "+tag", Gmail without
  dots; ``customers.duplicates``), the same phone (its last nine digits), or a device that holds the referrer's card
  (the remembered-cards cookie of the customer pages);
- email farm: the friend's email is near-identical to another friend of the same referrer: equal once the tags,
  Gmail dots and the digits at the end of the name are dropped ("olena1@", "olena.2@", "olena+x@");
- not new: another customer of the merchant already has this email or phone under another spelling;
- device or network farm: more than ``DEVICE_LIMIT`` referrals joined from one device (its referral cookie) within
  ``DEVICE_WINDOW``, or more than ``IP_LIMIT`` from one address within ``IP_WINDOW`` (a cafe's wifi is shared by its
  guests, so the address limit is the looser one).

Every refusal is flagged for the merchant to review: each is a sign of someone gaming the program.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.crypto import salted_hmac

from stampcard.cards.models import Card
from stampcard.customers.duplicates import PHONE_TAIL, email_key, normalise_email
from stampcard.customers.models import Customer
from stampcard.referrals.models import Referral, RefusalReason

DEVICE_LIMIT = 3
DEVICE_WINDOW = timedelta(days=30)
IP_LIMIT = 10
IP_WINDOW = timedelta(days=1)
_TRAILING_DIGITS = re.compile(r"[\d._-]+$")


def email_key_of(email: str) -> str:
    return normalise_email(email) if email else ""


def near_key(key: str) -> str:
    """``email_key`` without the digits (and separators) that end the name: what farms of addresses vary."""
    local, _, domain = key.partition("@")
    return f"{_TRAILING_DIGITS.sub('', local) or local}@{domain}"


def digest(kind: str, value: str) -> str:
    """What a referral keeps of a device id, an address or an email: enough to compare, nothing to read. Keyed
    with the site's secret, since a plain hash of an IPv4 address is undone by trying all 2^32."""
    return salted_hmac(f"stampcard.referrals.{kind}", value, algorithm="sha256").hexdigest() if value else ""


def _phone_tail(phone: str) -> str:
    return phone[-PHONE_TAIL:] if len(phone) >= PHONE_TAIL else ""


@dataclass(frozen=True)
class JoinSignals:
    """What the friend's join request tells about the friend beyond the customer row."""

    device_digest: str  # '' when the device sent no referral cookie
    ip_digest: str
    device_card_ids: frozenset[int]  # cards the device holds (remembered-cards cookie)


def refusal_for(
    *, referrer_card: Card, friend: Customer, email_key_value: str, signals: JoinSignals, now: datetime
) -> RefusalReason | None:
    referrer = referrer_card.customer
    if _is_self(referrer_card=referrer_card, referrer=referrer, friend=friend, key=email_key_value, signals=signals):
        return RefusalReason.SELF_REFERRAL
    if email_key_value and _email_farm(referrer_card=referrer_card, key=email_key_value):
        return RefusalReason.EMAIL_FARM
    if _known_elsewhere(friend=friend, key=email_key_value):
        return RefusalReason.NOT_NEW
    merchant_referrals = Referral.objects.filter(merchant_id=referrer_card.merchant_id)
    if (
        signals.device_digest
        and merchant_referrals.filter(device_digest=signals.device_digest, created_at__gte=now - DEVICE_WINDOW).count()
        >= DEVICE_LIMIT
    ):
        return RefusalReason.DEVICE_FARM
    if (
        signals.ip_digest
        and merchant_referrals.filter(ip_digest=signals.ip_digest, created_at__gte=now - IP_WINDOW).count() >= IP_LIMIT
    ):
        return RefusalReason.IP_FARM
    return None


def _is_self(*, referrer_card: Card, referrer: Customer, friend: Customer, key: str, signals: JoinSignals) -> bool:
    if friend.pk == referrer.pk:
        return True
    if key and referrer.email and email_key_of(referrer.email) == key:
        return True
    tail = _phone_tail(friend.phone)
    if tail and _phone_tail(referrer.phone) == tail:
        return True
    if signals.device_card_ids:
        held = Card.objects.filter(pk__in=signals.device_card_ids, customer_id=referrer.pk)
        if held.exists():
            return True
    return False


def _email_farm(*, referrer_card: Card, key: str) -> bool:
    near = digest("near", near_key(key))
    return Referral.objects.filter(referrer_card_id=referrer_card.pk, near_digest=near).exists()


def _known_elsewhere(*, friend: Customer, key: str) -> bool:
    others = Customer.objects.filter(merchant_id=friend.merchant_id, merged_into__isnull=True).exclude(pk=friend.pk)
    if key and others.exclude(email="").annotate(key=email_key()).filter(key=key).exists():
        return True
    tail = _phone_tail(friend.phone)
    return bool(tail) and others.filter(phone__endswith=tail).exists()
