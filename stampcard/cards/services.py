"""Writes for cards: enrol a customer, issue a card.

Everything that moves a card's stamps (checkouts, reversals, adjustments) is orchestrated by
``stampcard.checkouts.services`` on top of this app's ledger (``cards.ledger``) and locks (``cards.locks``).
"""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from stampcard.cards import counts, errors, ledger, locks, selectors
from stampcard.cards.models import Card, CardEvent, EventKind, Program
from stampcard.cards.versions import program_version_current
from stampcard.core.codes import random_card_number, random_card_qr
from stampcard.core.uniques import insert_with_fresh_code
from stampcard.customers import services as customers_services
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor

CARD_NUMBER_ATTEMPTS = 20


@transaction.atomic
def card_enrol(
    *,
    actor: Actor,
    name: str,
    program_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    birthday: date | None = None,
    marketing_email_consent: bool = False,
    language: str = "",
) -> Card:
    """Create a customer and their card in the program (default program when none is named). ``language``: the one
    the customer reads (``customer_create``)."""
    program = selectors.program_get(merchant=actor.merchant, program_id=program_id)
    customer = customers_services.customer_create(
        merchant=actor.merchant,
        name=name,
        email=email,
        phone=phone,
        birthday=birthday,
        marketing_email_consent=marketing_email_consent,
        language=language,
    )
    return card_create(customer=customer, program=program, actor=actor)


@transaction.atomic
def card_create(*, customer: Customer, program: Program, actor: Actor | None = None, number: str = "") -> Card:
    """Issue a card with a random six-digit number, retrying on the rare collision, or with ``number`` (a number
    kept from another system; raises CardNumberTaken when a card has it); and record "card issued" in its ledger
    (delta 0) with who issued it, on which channel and at which location (``actor``; the system when None)."""
    if Card.objects.filter(program=program, customer=customer).exists():
        raise errors.CardAlreadyEnrolled()
    version = program_version_current(program=program)
    if number:
        try:
            with transaction.atomic():
                card = Card.objects.create(
                    merchant_id=customer.merchant_id,
                    program=program,
                    program_version=version,
                    customer=customer,
                    number=number,
                    qr_payload=random_card_qr(),
                )
        except IntegrityError:
            raise errors.CardNumberTaken(number=number) from None
    else:
        card = insert_with_fresh_code(
            lambda: Card.objects.create(
                merchant_id=customer.merchant_id,
                program=program,
                program_version=version,
                customer=customer,
                number=random_card_number(),
                qr_payload=random_card_qr(),
            ),
            attempts=CARD_NUMBER_ATTEMPTS,
            what="card number",
        )
    counts.card_counted(card=card)
    actor = actor or Actor.system(customer.merchant)
    ledger.ledger_note(card=card, kind=EventKind.CARD_ISSUED, actor=actor, program=program.name)
    return card


def card_balance_import(*, card: Card, actor: Actor, stamps: int, lifetime_stamps: int, **payload: Any) -> CardEvent:
    """Bring a balance from another system onto ``card``: one ``imported`` ledger line adding ``stamps`` (and
    ``lifetime_stamps`` to the lifetime count), under the card's lock. Reaching a reward by import issues nothing:
    the card's next stamp does. Call inside a transaction."""
    locked = locks.card_lock(merchant=actor.merchant, card_id=card.pk)
    return ledger.ledger_append(
        card=locked,
        kind=EventKind.IMPORTED,
        delta=stamps,
        lifetime_delta=lifetime_stamps,
        actor=actor,
        reason=str(payload.pop("reason", "")),
        **payload,
    )
