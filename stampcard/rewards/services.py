"""Writes for rewards: one reward at a time, on a card whose lock the caller holds (``cards.locks.card_lock``).

What a stamp reaches, what a reversal withdraws and how a reward turns into a voucher or a lottery draw is
orchestrated above, in ``stampcard.checkouts.rewards``; this module only creates rewards and moves their state, each
move with its ledger line.
"""

import uuid
from typing import Any

from django.db import transaction

from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.milestones import Crossing
from stampcard.cards.models import Card, Check, EventKind, RewardKind
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.rewards import errors, locks, selectors
from stampcard.rewards.models import Reward, RewardState


def reward_issue_for_milestone(*, card: Card, crossing: Crossing, actor: Actor, check: Check | None) -> Reward:
    """Create the reward of a milestone the card's stamps reached; the stamps it spends leave the card."""
    spec = crossing.spec
    reward = Reward.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        kind=spec["kind"],
        title=spec["title"],
        description=spec.get("description", ""),
        stamps_spent=crossing.stamps_spent,
        check_ref=check,
        milestone=crossing.index,
        cycle=card.cycle,
        spec=spec,
    )
    ledger_append(
        card=card,
        kind=EventKind.REWARD_ISSUED,
        delta=-crossing.stamps_spent,
        actor=actor,
        check=check,
        reward_id=str(reward.pk),
        milestone=crossing.index,
    )
    return reward


def reward_grant_award(
    *,
    card: Card,
    actor: Actor,
    title: str,
    source: str,
    description: str = "",
    check: Check | None = None,
    draw_id: str | None = None,
    **spec: Any,
) -> Reward:
    """Give the card a ready award outside its milestones (a delivery insert's welcome gift, a lottery's prize).

    It spends no stamps and moves no milestone; it waits at the counter like any award (``reward_hand_over``).
    ``source`` (e.g. "insert", "lottery") and ``spec`` are kept in the reward's spec, which keeps reversals from
    taking it for a milestone's reward; ``draw_id`` names the lottery draw that gave it, in the spec and the ledger.
    Precondition: the caller holds the card's lock.
    """
    if not source:
        raise ValueError("a granted award names its source")
    provenance: dict[str, Any] = {"draw_id": draw_id} if draw_id else {}
    reward = Reward.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        kind=RewardKind.AWARD,
        state=RewardState.READY,
        title=title,
        description=description,
        stamps_spent=0,
        cycle=card.cycle,
        spec={**spec, **provenance, "kind": RewardKind.AWARD.value, "title": title, "source": source},
        check_ref=check,
    )
    ledger_append(
        card=card,
        kind=EventKind.REWARD_ISSUED,
        delta=0,
        actor=actor,
        check=check,
        reward_id=str(reward.pk),
        source=source,
        **provenance,
    )
    return reward


def reward_mark_delivered(*, reward: Reward, actor: Actor | None = None) -> None:
    """The reward turned into what it gives (a voucher in the card, a lottery spun): nothing waits at the counter."""
    reward.state, reward.handed_over_at = RewardState.HANDED_OVER, clock.now()
    fields = ["state", "handed_over_at"]
    if actor is not None:
        reward.handed_over_by = actor.user
        fields.append("handed_over_by")
    reward.save(update_fields=fields)


def reward_withdraw(*, reward: Reward, card: Card, check: Check, actor: Actor) -> None:
    """Take back a reward (its check was reversed): its stamps return to the card with a ledger line.
    Precondition: the caller locked the card and the reward and made sure the customer has not used it."""
    reward.state, reward.withdrawn_at, reward.handed_over_at = RewardState.WITHDRAWN, clock.now(), None
    reward.save(update_fields=["state", "withdrawn_at", "handed_over_at"])
    ledger_append(
        card=card,
        kind=EventKind.REWARD_WITHDRAWN,
        delta=reward.stamps_spent,
        actor=actor,
        check=check,
        reward_id=str(reward.pk),
    )


def card_progress_save(*, card: Card) -> None:
    """Store the card's round, milestone and reward count as the caller moved them on the locked card."""
    Card.objects.filter(pk=card.pk).update(
        rewards_earned=card.rewards_earned, cycle=card.cycle, milestones_reached=card.milestones_reached
    )


@transaction.atomic
def reward_hand_over(*, actor: Actor, reward_id: str | uuid.UUID) -> Reward:
    """Mark a ready reward as given to the customer. Raises NotFound, RewardAlreadyHandedOver or RewardWithdrawn."""
    reward = selectors.reward_get(merchant=actor.merchant, reward_id=reward_id)
    card = card_lock(merchant=actor.merchant, card_id=reward.card_id)  # card first: the lock order of every writer
    reward = locks.reward_lock(reward_id=reward.pk)
    if reward.state == RewardState.HANDED_OVER:
        raise errors.RewardAlreadyHandedOver(
            handed_over_at=reward.handed_over_at.isoformat() if reward.handed_over_at else None
        )
    if reward.state == RewardState.WITHDRAWN:
        raise errors.RewardWithdrawn()
    reward_mark_delivered(reward=reward, actor=actor)
    ledger_append(
        card=card,
        kind=EventKind.REWARD_HANDED_OVER,
        delta=0,
        actor=actor,
        check=reward.check_ref,
        reward_id=str(reward.pk),
    )
    return reward
