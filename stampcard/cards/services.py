"""Writes for cards: enrol a customer, issue a card.

Everything that moves a card's stamps (checkouts, reversals, adjustments) is orchestrated by
``stampcard.checkouts.services`` on top of this app's ledger (``cards.ledger``) and locks (``cards.locks``).
"""

from datetime import date

from django.db import transaction

from stampcard.cards import errors, ledger, selectors
from stampcard.cards.models import Card, EventKind, Program
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
) -> Card:
    """Create a customer and their card in the program (default program when none is named)."""
    program = selectors.program_get(merchant=actor.merchant, program_id=program_id)
    customer = customers_services.customer_create(
        merchant=actor.merchant,
        name=name,
        email=email,
        phone=phone,
        birthday=birthday,
        marketing_email_consent=marketing_email_consent,
    )
    return card_create(customer=customer, program=program, actor=actor)


@transaction.atomic
def card_create(*, customer: Customer, program: Program, actor: Actor | None = None) -> Card:
    """Issue a card with a random six-digit number, retrying on the rare collision, and record "card issued" in its
    ledger (delta 0) with who issued it, on which channel and at which location (``actor``; the system when None)."""
    if Card.objects.filter(program=program, customer=customer).exists():
        raise errors.CardAlreadyEnrolled()
    version = program_version_current(program=program)
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
    actor = actor or Actor.system(customer.merchant)
    ledger.ledger_note(card=card, kind=EventKind.CARD_ISSUED, actor=actor, program=program.name)
    return card
