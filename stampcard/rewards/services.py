"""Writes for rewards reached on cards. Callers hold the card's lock (``cards.locks.card_lock``)."""

import uuid

from django.db import transaction

from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, Check, EventKind
from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.merchants.actors import Actor
from stampcard.rewards import errors
from stampcard.rewards.models import Reward, RewardState


def rewards_issue_reached(*, card: Card, actor: Actor, check: Check | None = None) -> list[Reward]:
    """Turn every full goal on the card into a reward; the surplus stamps stay on the card."""
    program = card.program
    issued = []
    while card.stamps >= program.goal:
        reward = Reward.objects.create(
            merchant_id=card.merchant_id,
            card=card,
            kind=program.reward_kind,
            title=program.reward_title,
            description=program.reward_description,
            stamps_spent=program.goal,
            check_ref=check,
        )
        ledger_append(
            card=card,
            kind=EventKind.REWARD_ISSUED,
            delta=-program.goal,
            actor=actor,
            check=check,
            reward_id=str(reward.pk),
        )
        issued.append(reward)
    if issued:
        card.rewards_earned += len(issued)
        Card.objects.filter(pk=card.pk).update(rewards_earned=card.rewards_earned)
    return issued


def rewards_withdraw_to_cover(*, card: Card, check: Check, stamps_needed: int, actor: Actor) -> list[Reward]:
    """Withdraw ready rewards until the card holds ``stamps_needed`` stamps (or no ready reward is left).

    Used when a reversed check's stamps are no longer on the card because a reward consumed them. Rewards this check
    reached go first, then the card's newest: a reward still covered by other valid stamps stays with the customer.
    Rewards already handed over are never withdrawn. Returns the withdrawn rewards.
    """
    if card.stamps >= stamps_needed:
        return []
    ready = Reward.objects.select_for_update().filter(card=card, state=RewardState.READY)
    candidates = sorted(ready, key=lambda r: (r.check_ref_id != check.pk, -r.created_at.timestamp(), str(r.pk)))
    withdrawn = []
    now = clock.now()
    for reward in candidates:
        if card.stamps >= stamps_needed:
            break
        reward.state, reward.withdrawn_at = RewardState.WITHDRAWN, now
        reward.save(update_fields=["state", "withdrawn_at"])
        ledger_append(
            card=card,
            kind=EventKind.REWARD_WITHDRAWN,
            delta=reward.stamps_spent,
            actor=actor,
            check=check,
            reward_id=str(reward.pk),
        )
        withdrawn.append(reward)
    if withdrawn:
        card.rewards_earned -= len(withdrawn)
        Card.objects.filter(pk=card.pk).update(rewards_earned=card.rewards_earned)
    return withdrawn


@transaction.atomic
def reward_hand_over(*, actor: Actor, reward_id: str | uuid.UUID) -> Reward:
    """Mark a ready reward as given to the customer. Raises NotFound, RewardAlreadyHandedOver or RewardWithdrawn."""
    reward = _reward_for_merchant(actor=actor, reward_id=reward_id)
    card = card_lock(merchant=actor.merchant, card_id=reward.card_id)  # card first: the lock order of every writer
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if reward.state == RewardState.HANDED_OVER:
        raise errors.RewardAlreadyHandedOver(
            handed_over_at=reward.handed_over_at.isoformat() if reward.handed_over_at else None
        )
    if reward.state == RewardState.WITHDRAWN:
        raise errors.RewardWithdrawn()
    reward.state, reward.handed_over_at, reward.handed_over_by = RewardState.HANDED_OVER, clock.now(), actor.user
    reward.save(update_fields=["state", "handed_over_at", "handed_over_by"])
    ledger_append(
        card=card,
        kind=EventKind.REWARD_HANDED_OVER,
        delta=0,
        actor=actor,
        check=reward.check_ref,
        reward_id=str(reward.pk),
    )
    return reward


def _reward_for_merchant(*, actor: Actor, reward_id: str | uuid.UUID) -> Reward:
    try:
        return Reward.objects.get(merchant=actor.merchant, pk=uuid.UUID(str(reward_id)))
    except (ValueError, Reward.DoesNotExist):
        raise NotFound(code="reward_not_found") from None
