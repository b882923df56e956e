"""The stamp, orchestrated: preview, commit, reverse, amend and adjust a check or a card.

Every write runs in one transaction that holds the card's row lock (``cards.locks``), appends to the ledger
(``cards.ledger``), and records actor, channel and location. Rewards reached or given back by a write are settled
in the same transaction (``checkouts.rewards``). Every channel (API v1, Poster webhook and register app, receipt
claim, scanner, kiosk, inserts) stamps through ``checkout_commit``.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards import errors as cards_errors
from stampcard.cards import selectors as cards_selectors
from stampcard.cards.checks import CheckInput, check_validate
from stampcard.cards.earning import stamps_for_check
from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock, check_lock
from stampcard.cards.milestones import milestones_crossed
from stampcard.cards.models import Card, Check, CheckState, EventKind, ReversalKind
from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, ValidationFailed
from stampcard.core.transactions import atomic_service
from stampcard.core.uniques import insert_unless_taken
from stampcard.merchants import metering
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.referrals import services as referrals_services
from stampcard.rewards import selectors as rewards_selectors
from stampcard.rewards.models import Reward


@dataclass
class CheckoutPreview:
    card: Card
    stamps_to_issue: int
    rewards: list[dict[str, str]]
    already_committed: bool
    refusal: ApplicationError | None = None  # what committing it now would be refused with


@dataclass
class CheckoutResult:
    card: Card
    check: Check
    stamps_issued: int
    rewards: list[Reward]
    replayed: bool


@dataclass
class ReversalResult:
    card: Card
    check: Check
    stamps_reversed: int
    stamps_not_reversed: int
    rewards_withdrawn: list[Reward] = field(default_factory=list)
    rewards_kept: list[Reward] = field(default_factory=list)
    replayed: bool = False


@dataclass
class AdjustmentResult:
    card: Card
    delta: int
    rewards: list[Reward]


def checkout_preview(
    *, actor: Actor, card_ref: str, check: CheckInput, location_id: str | None = None
) -> CheckoutPreview:
    """What committing this check would do, without writing anything."""
    check_validate(merchant=actor.merchant, check=check)
    merchants_services.location_for_actor(actor=actor, location_id=location_id)
    card = cards_selectors.card_get(merchant=actor.merchant, ref=card_ref)
    if cards_selectors.check_is_stamped(merchant_id=actor.merchant.pk, pos=check.pos, external_id=check.external_id):
        return CheckoutPreview(card=card, stamps_to_issue=0, rewards=[], already_committed=True)
    stamps = stamps_for_check(program=card.rules, total=check.total)
    crossings = milestones_crossed(
        stamps=card.stamps + stamps, reached=card.milestones_reached, milestones=card.rules.milestone_list()
    )
    rewards = [
        {"kind": c.spec["kind"], "title": c.spec["title"], "description": c.spec.get("description", "")}
        for c in crossings
    ]
    refusal = metering.usage_refusal(merchant=actor.merchant) if stamps else None
    return CheckoutPreview(card=card, stamps_to_issue=stamps, rewards=rewards, already_committed=False, refusal=refusal)


@atomic_service
def checkout_commit(
    *,
    actor: Actor,
    card_ref: str,
    check: CheckInput,
    location_id: str | None = None,
    fixed_stamps: int | None = None,
) -> CheckoutResult:
    """Stamp a check onto a card, once. A repeated commit of the same check returns the first outcome.

    ``fixed_stamps`` gives that many stamps instead of applying the earning rule to ``check.total``: for a check
    with no amount to go by (a self-service scan, or a scanner stamp for a per-receipt program).

    Raises CheckBelongsToAnotherCard when the check was committed to a different card, PlanLimitReached at the
    plan's cap (nothing is written then), NotFound for unknown or other tenants' cards.
    """
    check_validate(merchant=actor.merchant, check=check)
    if fixed_stamps is not None and not 0 <= fixed_stamps <= 1000:
        raise ValueError(f"fixed_stamps must be 0 to 1000, not {fixed_stamps}")
    location = merchants_services.location_for_actor(actor=actor, location_id=location_id)
    card = card_lock(merchant=actor.merchant, ref=card_ref)
    stamps = stamps_for_check(program=card.rules, total=check.total) if fixed_stamps is None else fixed_stamps
    row = Check(
        merchant_id=actor.merchant.pk,
        pos=check.pos,
        external_id=check.external_id,
        card=card,
        location=location,
        total=check.total,
        currency=check.currency.upper(),
        closed_at=check.closed_at or clock.now(),
        stamps_issued=stamps,
    )
    # The unique (merchant, POS, external id) index decides whether this check is new: a repeated commit, even one
    # racing us from another card's transaction, finds its key taken and replays the first outcome.
    if not insert_unless_taken(row):
        existing = cards_selectors.check_find(
            merchant_id=actor.merchant.pk, pos=check.pos, external_id=check.external_id
        )
        if existing is None:  # the row that beat ours is gone again: only a concurrent delete could do that
            raise IntegrityError(f"check {check.pos}:{check.external_id} was taken, then deleted")
        return _replayed_commit(card=card, existing=existing)
    rewards: list[Reward] = []
    if stamps:
        ledger_append(
            card=card,
            kind=EventKind.STAMP,
            delta=stamps,
            lifetime_delta=stamps,
            actor=actor,
            check=row,
            location=location,
            total=check.total,
        )
        # A referred friend's first paid visit rewards the referral (bonus stamps land before the rewards below);
        # the referrer's rewards reached are theirs, not this check's.
        for referrer_card in referrals_services.referral_first_visit(card=card, actor=actor, check=row):
            checkouts_rewards.rewards_issue_reached(card=referrer_card, actor=actor)
        rewards = checkouts_rewards.rewards_issue_reached(card=card, actor=actor, check=row)
        metering.usage_record(merchant=actor.merchant, operations=1)
    return CheckoutResult(card=card, check=row, stamps_issued=stamps, rewards=rewards, replayed=False)


def _replayed_commit(*, card: Card, existing: Check) -> CheckoutResult:
    if existing.card_id != card.pk:
        raise cards_errors.CheckBelongsToAnotherCard(external_id=existing.external_id)
    return CheckoutResult(
        card=card,
        check=existing,
        stamps_issued=existing.stamps_issued,
        rewards=list(existing.rewards.all()),
        replayed=True,
    )


@transaction.atomic
def checkout_reverse(
    *, actor: Actor, external_id: str, pos: str = "api", kind: ReversalKind = ReversalKind.REFUND
) -> ReversalResult:
    """Take back the stamps of a committed check (refund or void). Reversing twice returns the first outcome.

    When the check's stamps are no longer on the card because a reward consumed them, ready rewards are withdrawn to
    give them back: the ones this check reached first, then the card's newest (a reward still covered by other valid
    stamps stays). Rewards already handed over are never taken back, and the card never goes below zero: what cannot
    be taken back is reported in ``stamps_not_reversed``; ``rewards_kept`` lists the rewards this check reached that
    stay with the customer.
    """
    found = cards_selectors.check_get(merchant=actor.merchant, pos=pos, external_id=external_id)
    card = card_lock(merchant=actor.merchant, card_id=found.card_id)
    check = check_lock(check_id=found.pk)
    if check.state == CheckState.REVERSED:
        withdrawn_ids = cards_selectors.ledger_reward_ids(check=check, kind=EventKind.REWARD_WITHDRAWN)
        return ReversalResult(
            card=card,
            check=check,
            stamps_reversed=check.stamps_reversed,
            stamps_not_reversed=check.stamps_issued - check.stamps_reversed,
            rewards_withdrawn=rewards_selectors.rewards_by_ids(ids=withdrawn_ids),
            rewards_kept=[r for r in check.rewards.all() if r.withdrawn_at is None],
            replayed=True,
        )
    withdrawn = checkouts_rewards.rewards_withdraw_to_cover(
        card=card, check=check, stamps_needed=check.stamps_issued, actor=actor
    )
    removable = min(check.stamps_issued, card.stamps)
    if check.stamps_issued:
        ledger_append(
            card=card,
            kind=EventKind.REVERSAL,
            delta=-removable,
            lifetime_delta=-check.stamps_issued,
            actor=actor,
            check=check,
            reversal_kind=str(kind),
            not_reversed=check.stamps_issued - removable,
        )
    withdrawn += checkouts_rewards.rewards_unwind_intermediate(card=card, check=check, actor=actor)
    check.state, check.stamps_reversed = CheckState.REVERSED, removable
    check.reversal_kind, check.reversed_at = kind, clock.now()
    check.save(update_fields=["state", "stamps_reversed", "reversal_kind", "reversed_at"])
    return ReversalResult(
        card=card,
        check=check,
        stamps_reversed=removable,
        stamps_not_reversed=check.stamps_issued - removable,
        rewards_withdrawn=withdrawn,
        rewards_kept=[r for r in check.rewards.all() if r.withdrawn_at is None],
    )


@transaction.atomic
def card_adjust(*, actor: Actor, card_ref: str, delta: int, reason: str) -> AdjustmentResult:
    """A manager corrects a card by hand. Adding stamps counts as a card operation and can reach rewards."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("Say why the card is adjusted."), code="reason_required", field="reason")
    if delta == 0 or abs(delta) > 1000:
        raise ValidationFailed(_("An adjustment moves between 1 and 1000 stamps."), code="invalid_delta", field="delta")
    card = card_lock(merchant=actor.merchant, ref=card_ref)
    if card.stamps + delta < 0:
        raise cards_errors.InsufficientStamps(stamps=card.stamps, delta=delta)
    ledger_append(
        card=card, kind=EventKind.ADJUSTMENT, delta=delta, lifetime_delta=max(delta, 0), actor=actor, reason=reason
    )
    rewards: list[Reward] = []
    if delta > 0:
        rewards = checkouts_rewards.rewards_issue_reached(card=card, actor=actor)
        metering.usage_record(merchant=actor.merchant, operations=1)
    return AdjustmentResult(card=card, delta=delta, rewards=rewards)


@dataclass
class AmendResult:
    card: Card
    check: Check
    total_before: int
    stamps_delta: int  # moved on the card: + added, - taken back
    stamps_not_reversed: int = 0
    rewards: list[Reward] = field(default_factory=list)  # reached by the added stamps
    rewards_withdrawn: list[Reward] = field(default_factory=list)
    changed: bool = True


@transaction.atomic
def checkout_amend(*, actor: Actor, external_id: str, total: int, pos: str = "api") -> AmendResult:
    """Correct a committed check's total to what the POS finally took (e.g. Poster's paid sum, which a webhook
    brings after the POS app committed its own figure) and move the card by the stamps the new total earns more or
    less under the card's rules. The same total again, or a reversed check, changes nothing.

    Stamps are added like a commit adds them (rewards reached are issued; no extra card operation is metered: it is
    the same check). Fewer stamps are taken back like a reversal takes them: unused rewards are withdrawn to cover
    them, never below zero; what cannot be taken back is reported in ``stamps_not_reversed`` and stays on the check.
    """
    if total < 0:
        raise ValidationFailed(_("The check total cannot be negative."), code="invalid_total", field="check.total")
    found = cards_selectors.check_get(merchant=actor.merchant, pos=pos, external_id=external_id)
    card = card_lock(merchant=actor.merchant, card_id=found.card_id)
    check = check_lock(check_id=found.pk)
    before = check.total
    if check.state == CheckState.REVERSED or total == before:
        return AmendResult(card=card, check=check, total_before=before, stamps_delta=0, changed=False)
    delta = stamps_for_check(program=card.rules, total=total) - check.stamps_issued
    result = AmendResult(card=card, check=check, total_before=before, stamps_delta=0)
    if delta > 0:
        ledger_append(
            card=card,
            kind=EventKind.STAMP,
            delta=delta,
            lifetime_delta=delta,
            actor=actor,
            check=check,
            location=check.location,
            total=total,
            amended_from=before,
        )
        result.rewards = checkouts_rewards.rewards_issue_reached(card=card, actor=actor, check=check)
        result.stamps_delta = delta
    elif delta < 0:
        result.rewards_withdrawn = checkouts_rewards.rewards_withdraw_to_cover(
            card=card, check=check, stamps_needed=-delta, actor=actor
        )
        removable = min(-delta, card.stamps)
        if removable:
            ledger_append(
                card=card,
                kind=EventKind.REVERSAL,
                delta=-removable,
                lifetime_delta=-removable,
                actor=actor,
                check=check,
                location=check.location,
                reversal_kind="amend",
                amended_from=before,
                total=total,
            )
        result.rewards_withdrawn += checkouts_rewards.rewards_unwind_intermediate(card=card, check=check, actor=actor)
        result.stamps_delta, result.stamps_not_reversed = -removable, -delta - removable
    check.total, check.stamps_issued = total, check.stamps_issued + result.stamps_delta
    check.save(update_fields=["total", "stamps_issued"])
    return result
