"""Writes for customers."""

import re
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.errors import Conflict, ValidationFailed
from stampcard.core.text import fold
from stampcard.customers import languages
from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant

_PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_email(value: str | None) -> str:
    value = (value or "").strip().lower()
    if not value:
        return ""
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValidationFailed(_("This email address is not valid."), code="invalid_email", field="email") from None
    return value


def normalize_phone(value: str | None) -> str:
    """Keep the digits of an international number: "+380 (50) 123-45-67" -> "+380501234567"."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = re.sub(r"[\s().-]", "", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not _PHONE_RE.match(digits):
        raise ValidationFailed(
            _("Give the phone number in international form, e.g. +380501234567."), code="invalid_phone", field="phone"
        )
    return digits


def customer_create(
    *,
    merchant: Merchant,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    birthday: date | None = None,
    marketing_email_consent: bool = False,
    language: str = "",
) -> Customer:
    """Create a customer. Raises Conflict(customer_exists) when the email or phone is already known. ``language`` is
    the one they read (any of ``settings.LANGUAGES``; ValidationFailed ``unsupported_language`` for another); the
    merchant's when not given."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("A name is required."), code="name_required", field="name")
    if birthday is not None and birthday > clock.now().date():
        raise ValidationFailed(_("The birthday cannot be in the future."), code="invalid_birthday", field="birthday")
    if language and not languages.language_normalize(language):
        raise _unsupported_language()
    email, phone = normalize_email(email), normalize_phone(phone)
    now = clock.now()
    customer = Customer(
        merchant=merchant,
        name=name,
        name_folded=fold(name),
        email=email,
        phone=phone,
        birthday=birthday,
        birthday_set_at=now if birthday is not None else None,
        marketing_email_consent=marketing_email_consent and bool(email),
        marketing_email_consent_at=now if marketing_email_consent and email else None,
        language=languages.language_normalize(language) or languages.merchant_language(merchant),
    )
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        existing = _existing_customer(merchant=merchant, email=email, phone=phone)
        raise Conflict(
            _("A customer with this email or phone already exists."),
            code="customer_exists",
            customer_id=str(existing.pk) if existing else None,
        ) from None
    return customer


def _existing_customer(*, merchant: Merchant, email: str, phone: str) -> Customer | None:
    if email and (found := Customer.objects.filter(merchant=merchant, email=email).first()):
        return found
    if phone:
        return Customer.objects.filter(merchant=merchant, phone=phone).first()
    return None


def customer_fill_blanks(
    *,
    customer: Customer,
    email: str = "",
    phone: str = "",
    birthday: date | None = None,
    marketing_email_consent: bool = False,
) -> list[str]:
    """Fill what an existing customer lacks (an import bringing more than we hold), never overwriting what they gave
    us; a consent given is recorded, never withdrawn. Returns the fields changed."""
    changes: dict[str, object] = {}
    if email and not customer.email:
        changes["email"] = normalize_email(email)
    if phone and not customer.phone:
        changes["phone"] = normalize_phone(phone)
    if birthday and not customer.birthday:
        changes["birthday"] = birthday
        changes["birthday_set_at"] = clock.now()
    if marketing_email_consent and not customer.marketing_email_consent and (customer.email or email):
        changes["marketing_email_consent"] = True
        changes["marketing_email_consent_at"] = clock.now()
    if changes:
        try:
            with transaction.atomic():
                Customer.objects.filter(pk=customer.pk).update(**changes)
        except IntegrityError:
            raise Conflict(_("A customer with this email or phone already exists."), code="customer_exists") from None
        for name, value in changes.items():
            setattr(customer, name, value)
    return list(changes)


def customer_language_set(*, customer: Customer, language: str) -> Customer:
    """The customer chose the language they read (their web card's switch). Raises ValidationFailed
    ``unsupported_language`` for a language not in ``settings.LANGUAGES``."""
    code = languages.language_normalize(language)
    if not code:
        raise _unsupported_language()
    if customer.language != code:
        Customer.objects.filter(pk=customer.pk).update(language=code)
        customer.language = code
    return customer


def _unsupported_language() -> ValidationFailed:
    return ValidationFailed(_("Choose one of the offered languages."), code="unsupported_language", field="language")
