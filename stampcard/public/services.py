"""Joining a program from its public page.

A returning customer (the email or phone they give already belongs to a customer of this merchant) gets their
existing card, never an error and never someone else's data: when this device already holds that customer's card of
this program (the remembered-card cookie) it is opened at once; otherwise they must prove the email is theirs with a
one-time code (the lost-phone recovery, started for them), which then restores the card or issues this program's
card to that customer. A phone number known without an email cannot be proven online: the customer is sent to the
counter, where staff find the card by phone.
"""

import enum
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.cards import changes as cards_changes
from stampcard.cards import services as cards_services
from stampcard.cards.models import Card, Program
from stampcard.core import clock
from stampcard.core.errors import Conflict, ValidationFailed
from stampcard.customers import services as customers_services
from stampcard.customers.languages import language_normalize
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor, Channel
from stampcard.public import recovery


class JoinResult(enum.StrEnum):
    CREATED = "created"  # a new customer and card
    REMEMBERED = "remembered"  # a returning customer whose card this device already holds
    RECOVER = "recover"  # a returning customer, sent a code to prove the email is theirs
    ASK_STAFF = "ask_staff"  # a returning customer we cannot verify online (a phone without an email)


@dataclass(frozen=True)
class JoinOutcome:
    result: JoinResult
    card: Card | None = None
    recovery_id: int | None = None


def join_enrol(
    *,
    program: Program,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    birthday: date | None = None,
    marketing_email_consent: bool = False,
    terms_accepted: bool = False,
    device_cards: list[Card] | None = None,
    ip: str = "",
    language: str = "",
) -> JoinOutcome:
    """Join ``program`` from its public page. Raises ValidationFailed naming the field, LimitReached when a returning
    customer's code was asked for too often. ``language`` is the one the page was shown in: a new customer keeps it."""
    if not terms_accepted:
        raise ValidationFailed(_("Accept the terms to get your card."), code="terms_required", field="terms")
    email = customers_services.normalize_email(email)
    phone = customers_services.normalize_phone(phone)
    if marketing_email_consent and not email:
        raise ValidationFailed(
            _("Give your email address to get news by email."), code="email_required_for_news", field="email"
        )
    returning = _returning(program=program, email=email, phone=phone, device_cards=device_cards or [], ip=ip)
    if returning is not None:
        return returning
    actor = Actor(merchant=program.merchant, channel=Channel.PUBLIC)
    try:
        with transaction.atomic():
            card = cards_services.card_enrol(
                actor=actor,
                name=name,
                program_id=str(program.pk),
                email=email or None,
                phone=phone or None,
                birthday=birthday,
                marketing_email_consent=marketing_email_consent,
            )
            Customer.objects.filter(pk=card.customer_id).update(terms_accepted_at=clock.now())
            if language_normalize(language):
                customers_services.customer_language_set(customer=card.customer, language=language)
    except Conflict as conflict:
        if conflict.code != "customer_exists":
            raise
        # Another request registered the same email or phone between our check and our insert.
        returning = _returning(program=program, email=email, phone=phone, device_cards=device_cards or [], ip=ip)
        if returning is None:
            raise
        return returning
    return JoinOutcome(result=JoinResult.CREATED, card=card)


def _returning(*, program: Program, email: str, phone: str, device_cards: list[Card], ip: str) -> JoinOutcome | None:
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email=email)
    if phone:
        condition |= Q(phone=phone)
    customers = list(Customer.objects.filter(merchant_id=program.merchant_id).filter(condition))
    if not customers:
        return None
    known = {customer.pk for customer in customers}
    for card in device_cards:
        if card.program_id == program.pk and card.customer_id in known:
            return JoinOutcome(result=JoinResult.REMEMBERED, card=card)
    # The email they typed first; else the email on file of the customer their phone matched.
    target = next((c for c in customers if email and c.email == email), None) or next(
        (c for c in customers if c.email), None
    )
    if target is None:
        return JoinOutcome(result=JoinResult.ASK_STAFF)
    recovery_id = recovery.recovery_request(email=target.email, ip=ip, program=program)
    return JoinOutcome(result=JoinResult.RECOVER, recovery_id=recovery_id)


@transaction.atomic
def card_language_choose(*, card: Card, language: str) -> Customer:
    """The card's holder chose the language they read (the web card's switch): their pages, passes and emails follow
    it, and the wallets holding any of their cards get them again in it. Raises ValidationFailed
    ``unsupported_language``."""
    customer = card.customer
    before = customer.language
    customers_services.customer_language_set(customer=customer, language=language)
    if customer.language != before:
        cards_changes.cards_touch(
            card_ids=list(Card.objects.filter(customer_id=customer.pk).values_list("pk", flat=True))
        )
    return customer
