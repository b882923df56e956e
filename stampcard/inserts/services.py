"""Writes for delivery inserts: make a batch, count a page open, and claim an insert's benefit into a card.

A claim runs in one transaction holding the card's lock, then the insert's: the claim row (unique per insert and per
customer and batch) and the benefit commit together, so a retry, a double tap or eight phones racing for one insert
give the benefit once. Stamps are a checkout (``checkouts.services.checkout_commit``) of POS ``insert`` whose external
id is the insert's own, so the ledger, rewards reached, plan metering and wallet updates follow as for any stamp.
"""

import secrets
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from stampcard.cards.checks import CheckInput
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card
from stampcard.cards.selectors import program_get
from stampcard.checkouts import services as checkouts_services
from stampcard.core.codes import CROCKFORD32
from stampcard.core.uniques import insert_with_fresh_code
from stampcard.inserts import locks, selectors
from stampcard.inserts.benefits import Benefit, benefit_of
from stampcard.inserts.errors import (
    InsertAlreadyUsed,
    InsertBatchAlreadyClaimed,
    InsertBatchInvalid,
    InsertNotFound,
    InsertWrongProgram,
)
from stampcard.inserts.models import MAX_INSERTS, Aggregator, BenefitKind, Insert, InsertBatch, InsertClaim
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Role
from stampcard.rewards import services as rewards_services
from stampcard.rewards.models import Reward
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher

# 16 Crockford base32 characters, lower case: 80 random bits. A short URL keeps the QR small enough to scan from a
# crumpled insert, and guessing one of a batch's tokens takes about 2^67 tries, which the public page's per-IP
# limit turns into centuries. At rest only its SHA-256 and a sealed copy are kept (``core.secretbox``); the digest is
# unkeyed, so against a stolen copy of the database the 80 bits are the whole defence: about 2^80 / (inserts stored)
# hashes to find any one token, for one insert's benefit.
TOKEN_LENGTH = 16
_TOKEN_ATTEMPTS = 3
MAX_NAME = 100
MAX_AGGREGATOR_NAME = 60


def _new_token() -> str:
    return "".join(secrets.choice(CROCKFORD32) for _ in range(TOKEN_LENGTH)).lower()


def _new_insert(*, batch: InsertBatch, serial: int) -> Insert:
    insert = Insert(merchant=batch.merchant, batch=batch, serial=serial)
    insert.token = _new_token()  # stored as its digest and a sealed copy
    return insert


@transaction.atomic
def insert_batch_create(
    *,
    actor: Actor,
    name: str,
    count: int,
    benefit: Benefit,
    aggregator: str = Aggregator.OTHER,
    aggregator_name: str = "",
    program_id: str | uuid.UUID | None = None,
    location_id: str | None = None,
) -> InsertBatch:
    """Make a batch of ``count`` inserts (1..5000), each with its serial and token (manager or owner).

    ``benefit`` comes from ``benefits.benefit_clean``. The program defaults to the merchant's default one, the
    location to the actor's. Raises InsertBatchInvalid naming the field, RoleForbidden, NotFound (program_not_found,
    location_not_found) or a location refusal.
    """
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InsertBatchInvalid(_("Name the batch in 1 to 100 characters."), field="name")
    if aggregator not in Aggregator.values:
        raise InsertBatchInvalid(_("Pick a delivery service from the list, or other."), field="aggregator")
    aggregator_name = " ".join((aggregator_name or "").split())
    if len(aggregator_name) > MAX_AGGREGATOR_NAME:
        raise InsertBatchInvalid(_("The delivery service's name is at most 60 characters."), field="aggregator_name")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INSERTS:
        raise InsertBatchInvalid(_("A batch holds 1 to %(max)d inserts.") % {"max": MAX_INSERTS}, field="count")
    program = program_get(merchant=actor.merchant, program_id=program_id)
    location = merchants_services.location_for_actor(actor=actor, location_id=location_id)
    batch = InsertBatch.objects.create(
        merchant=actor.merchant,
        name=name,
        aggregator=aggregator,
        aggregator_name=aggregator_name,
        program=program,
        location=location,
        count=count,
        created_by=actor.user,
        **benefit.as_fields(),
    )
    # Two equal tokens in 2^80 collide the whole batch: it is drawn again rather than guessing which one.
    insert_with_fresh_code(
        lambda: Insert.objects.bulk_create(
            [_new_insert(batch=batch, serial=serial) for serial in range(1, count + 1)],
            batch_size=1000,
        ),
        attempts=_TOKEN_ATTEMPTS,
        what="insert tokens",
    )
    batch.merchant = actor.merchant
    return batch


def insert_scan_record(*, insert: Insert) -> None:
    """Count one opening of an insert's page on its batch. The only write a GET of the page makes: one UPDATE."""
    InsertBatch.objects.filter(pk=insert.batch_id).update(scans=F("scans") + 1)


@dataclass
class ClaimResult:
    claim: InsertClaim
    card: Card
    replayed: bool  # this card had already collected this insert: nothing new was given
    rewards: list[Reward] = field(default_factory=list)  # rewards the insert's stamps reached
    voucher: Voucher | None = None


@transaction.atomic
def insert_claim(*, token: str, card: Card, new_customer: bool = False) -> ClaimResult:
    """Give the insert's benefit to ``card`` (a card of the batch's program), once.

    ``new_customer`` says the customer joined through this insert a moment ago (attribution). Claiming again with
    the card that has it returns the first claim with ``replayed``. Raises InsertNotFound (unknown token, or a card
    of another merchant), InsertWrongProgram, InsertAlreadyUsed (another card has it), InsertBatchAlreadyClaimed
    (this customer collected another insert of the batch) or PlanLimitReached (nothing is written then).
    """
    found = selectors.insert_get_by_token(token=token)
    batch = found.batch
    merchant = batch.program.merchant
    if card.merchant_id != merchant.pk:
        raise InsertNotFound()
    if card.program_id != batch.program_id:
        raise InsertWrongProgram()
    card = card_lock(merchant=merchant, card_id=card.pk)
    insert = locks.insert_lock(insert_id=found.pk)
    insert.batch = batch
    existing = selectors.insert_claim_of(insert=insert)
    if existing is not None:
        if existing.card_id != card.pk:
            raise InsertAlreadyUsed()
        return ClaimResult(claim=existing, card=card, replayed=True)
    if selectors.insert_claim_in_batch(batch=batch, card=card) is not None:
        raise InsertBatchAlreadyClaimed()
    claim = InsertClaim(
        merchant=merchant,
        insert=insert,
        batch=batch,
        customer_id=card.customer_id,
        card=card,
        new_customer=new_customer,
    )
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
    except IntegrityError:
        # Unreachable while every claimer takes the locks above; the constraints still say which rule held.
        if InsertClaim.objects.filter(insert=insert).exists():
            raise InsertAlreadyUsed() from None
        raise InsertBatchAlreadyClaimed() from None
    # A kitchen closed since the batch was printed must not turn its inserts away: the stamps then name no location.
    location = batch.location if batch.location is not None and batch.location.is_active else None
    actor = Actor(merchant=merchant, channel=Channel.INSERT, location=location)
    result = ClaimResult(claim=claim, card=card, replayed=False)
    benefit = benefit_of(batch)
    if benefit.kind == BenefitKind.STAMP:
        checkout = _stamp(card=card, insert=insert, actor=actor, stamps=benefit.stamps)
        claim.check_ref, result.rewards, result.card = checkout.check, checkout.rewards, checkout.card
    elif benefit.kind == BenefitKind.VOUCHER:
        (claim.voucher,) = vouchers_services.voucher_issue(
            actor=actor, card=card, title=benefit.title, description=benefit.description, validity=benefit.validity
        )
        result.voucher = claim.voucher
    else:
        claim.reward = rewards_services.reward_grant_award(
            card=card,
            actor=actor,
            title=benefit.title,
            description=benefit.description,
            source="insert",
            insert_id=insert.pk,
            batch_id=str(batch.pk),
        )
    claim.save(update_fields=["check_ref", "voucher", "reward"])
    return result


def _stamp(*, card: Card, insert: Insert, actor: Actor, stamps: int) -> checkouts_services.CheckoutResult:
    """The insert's stamps as a checkout of POS ``insert`` with the insert's own external id: the (merchant, POS,
    external id) index keeps it single, and the checkout issues the rewards reached and meters the operation."""
    return checkouts_services.checkout_commit(
        actor=actor,
        card_ref=card.qr_payload,
        check=CheckInput(
            external_id=insert.check_external_id, total=0, currency=actor.merchant.currency, pos=selectors.INSERT_POS
        ),
        fixed_stamps=stamps,
    )
