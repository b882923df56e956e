"""Writes for receipt claims: create one for a check, collect it onto a card once, void it.

Collecting runs the ordinary checkout (``checkouts.services.checkout_commit``) as the receipt channel, so the ledger,
rewards, plan metering and wallet updates happen exactly as at the counter. Every writer locks the claim first and
reads its state after the lock, so concurrent scans, voids and reversals see one another's outcome.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.checks import CheckInput, check_validate
from stampcard.cards.earning import stamps_for_check
from stampcard.cards.models import Card
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.uniques import insert_with_fresh_code
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.receipts import errors, locks, selectors, tokens
from stampcard.receipts.models import ReceiptToken, VoidReason
from stampcard.receipts.states import ReceiptState
from stampcard.rewards.models import Reward

CODE_ATTEMPTS = 10


@dataclass(frozen=True)
class Created:
    claim: ReceiptToken
    token: str
    replayed: bool  # the check had its claim already: this is the same one


@dataclass(frozen=True)
class Collected:
    claim: ReceiptToken
    card: Card
    stamps_issued: int
    rewards: list[Reward]


def receipt_create(
    *, actor: Actor, check: CheckInput, location_id: str | None = None, program_id: str | None = None
) -> Created:
    """The claim of a closed check, made on first request; asking again for the same check returns the same claim.

    Raises CheckAlreadyStamped when the check was stamped onto a card at the counter, CheckEarnsNoStamps when it
    earns nothing under the program's rule, CurrencyMismatch / ValidationFailed for a bad check, NotFound for an
    unknown program or location, and the location errors of ``merchants.services.location_for_actor``.
    """
    check_validate(merchant=actor.merchant, check=check)
    merchant = actor.merchant
    existing = selectors.receipt_find_for_check(merchant=merchant, pos=check.pos, external_id=check.external_id)
    if existing is not None:
        return _replayed(existing)
    if cards_selectors.check_is_stamped(merchant_id=merchant.pk, pos=check.pos, external_id=check.external_id):
        raise errors.CheckAlreadyStamped(external_id=check.external_id)
    location = merchants_services.location_for_actor(actor=actor, location_id=location_id)
    program = cards_selectors.program_get(merchant=merchant, program_id=program_id)
    stamps = stamps_for_check(program=program, total=check.total)
    if not stamps:
        raise errors.CheckEarnsNoStamps(min_check_total=program.min_check_total, total=check.total)
    now = clock.now()

    def insert() -> Created:
        claim_id = uuid.uuid4()
        token = tokens.token_for(claim_id)
        claim = ReceiptToken.objects.create(
            id=claim_id,
            merchant=merchant,
            program=program,
            location=location,
            pos=check.pos,
            external_id=check.external_id,
            total=check.total,
            currency=check.currency.upper(),
            closed_at=check.closed_at,
            stamps=stamps,
            token_hash=tokens.token_hash(token),
            code=tokens.random_code(),
            expires_at=now + timedelta(days=program.receipt_claim_days),
            created_by=actor.user,
            api_key=actor.api_key,
        )
        return Created(claim=claim, token=token, replayed=False)

    def raced() -> Created | None:
        # The same check from a concurrent request (a POS retrying at once) collides too: its claim is the answer.
        found = selectors.receipt_find_for_check(merchant=merchant, pos=check.pos, external_id=check.external_id)
        return _replayed(found) if found is not None else None

    return insert_with_fresh_code(insert, attempts=CODE_ATTEMPTS, what="receipt code", on_conflict=raced)


def _replayed(claim: ReceiptToken) -> Created:
    token = tokens.token_recover(claim_id=claim.pk, stored_hash=claim.token_hash)
    if token is None:
        raise errors.ReceiptTokenUnavailable(code_printed=claim.code)
    return Created(claim=claim, token=token, replayed=True)


def receipt_token(claim: ReceiptToken) -> str:
    """The bearer token of an existing claim. Raises ReceiptTokenUnavailable after an unkept key rotation."""
    return _replayed(claim).token


def _ensure_collectable(*, claim: ReceiptToken, card: Card, now: datetime) -> None:
    state = claim.state_at(now)
    if state == ReceiptState.CLAIMED:
        raise errors.ReceiptAlreadyClaimed(same_card=claim.card_id == card.pk)
    if state == ReceiptState.VOID:
        raise errors.ReceiptVoided(reason=claim.void_reason)
    if state == ReceiptState.EXPIRED:
        raise errors.ReceiptExpired(expired_at=claim.expires_at.isoformat())
    if card.merchant_id != claim.merchant_id or card.program_id != claim.program_id:
        raise errors.ReceiptCardNotInProgram()


@transaction.atomic
def receipt_collect(*, claim_id: uuid.UUID, card: Card) -> Collected:
    """Give the claim's stamps to ``card``, once, whatever the concurrency: the first scan wins, later ones are told.

    Raises a ReceiptNotCollectable (claimed, voided, expired, another program's card), CheckAlreadyStamped when the
    check reached a card at the counter meanwhile, or whatever the checkout refuses with (PlanLimitReached, an
    inactive location...). Every refusal leaves the claim as it was: one that is not final (a plan limit) can be
    scanned again later.
    """
    claim = locks.receipt_lock(claim_id=claim_id)
    now = clock.now()
    _ensure_collectable(claim=claim, card=card, now=now)
    if cards_selectors.check_is_stamped(merchant_id=claim.merchant_id, pos=claim.pos, external_id=claim.external_id):
        raise errors.CheckAlreadyStamped(external_id=claim.external_id)
    actor = Actor(merchant=claim.merchant, channel=Channel.RECEIPT, location=claim.location)
    result = checkouts_services.checkout_commit(
        actor=actor,
        card_ref=card.qr_payload,
        check=CheckInput(
            external_id=claim.external_id,
            total=claim.total,
            currency=claim.currency,
            pos=claim.pos,
            closed_at=claim.closed_at,
        ),
    )
    if result.replayed:
        # The counter stamped this check onto this very card between our look and the commit.
        raise errors.CheckAlreadyStamped(external_id=claim.external_id)
    claim.claimed_at, claim.card, claim.check_ref = now, result.card, result.check
    claim.save(update_fields=["claimed_at", "card", "check_ref"])
    return Collected(claim=claim, card=result.card, stamps_issued=result.stamps_issued, rewards=result.rewards)


def _void(*, claim: ReceiptToken, reason: VoidReason, actor: Actor) -> None:
    claim.voided_at, claim.void_reason, claim.voided_by = clock.now(), reason, actor.user
    claim.save(update_fields=["voided_at", "void_reason", "voided_by"])


@transaction.atomic
def receipt_void(*, actor: Actor, ref: str, reason: VoidReason) -> ReceiptToken:
    """Withdraw a claim nobody has collected (payment refused, check cancelled...); voiding it again changes nothing.

    An expired claim can be voided too (it then says why it gives nothing). Raises ReceiptAlreadyClaimed when a card
    collected it (reverse the check instead: ``POST /checkouts/{external_id}/reverse``), ReceiptNotFound.
    """
    found = selectors.receipt_get(merchant=actor.merchant, ref=ref)
    claim = locks.receipt_lock(claim_id=found.pk)
    if claim.claimed_at is not None:
        raise errors.ReceiptAlreadyClaimed(external_id=claim.external_id)
    if claim.voided_at is None:
        _void(claim=claim, reason=reason, actor=actor)
    return claim


@dataclass(frozen=True)
class VoidedByReversal:
    claim: ReceiptToken
    replayed: bool  # the claim was void already


@transaction.atomic
def receipt_void_unclaimed(*, actor: Actor, external_id: str, pos: str = "api") -> VoidedByReversal | None:
    """A POS reverses a check that exists only as an unclaimed receipt claim: void the claim (it gives nothing).

    Returns None when there is nothing of ours to void (no claim, or a claim already collected, or a check stamped
    at the counter): the caller then reverses the check as usual. The claim is locked first, so a reversal racing a
    scan either voids the claim before the scan (which then gets nothing) or waits for the scan's check to commit
    and reverses it.
    """
    claim = locks.receipt_lock_for_check(merchant=actor.merchant, pos=pos, external_id=external_id)
    if claim is None or claim.claimed_at is not None:
        return None
    if claim.voided_at is not None:
        return VoidedByReversal(claim=claim, replayed=True)
    if cards_selectors.check_is_stamped(merchant_id=actor.merchant.pk, pos=pos, external_id=external_id):
        return None
    _void(claim=claim, reason=VoidReason.REVERSED, actor=actor)
    return VoidedByReversal(claim=claim, replayed=False)


def receipt_claims_prune(*, older_than: timedelta = timedelta(days=180)) -> int:
    """Delete claims nobody collected or voided, long after they expired (collected and voided ones are history)."""
    deleted, _by_model = ReceiptToken.objects.filter(
        claimed_at__isnull=True, voided_at__isnull=True, expires_at__lt=clock.now() - older_than
    ).delete()
    return deleted
