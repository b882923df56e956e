"""Row locks for rewards. Lock order: the card first (``cards.locks.card_lock``), then its rewards."""

import uuid

from stampcard.cards.models import Card
from stampcard.rewards.models import Reward, RewardState


def reward_lock(*, reward_id: uuid.UUID) -> Reward:
    """Lock one reward; the caller holds its card's lock."""
    return Reward.objects.select_for_update().get(pk=reward_id)


def rewards_lock_live(*, card: Card, cycle: int | None = None, milestone_only: bool = False) -> list[Reward]:
    """Lock the card's rewards that are not withdrawn, oldest first; optionally of one round, and only the
    intermediate milestones' rewards (those that spent no stamps)."""
    qs = Reward.objects.select_for_update().filter(card=card).exclude(state=RewardState.WITHDRAWN)
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if milestone_only:
        qs = qs.filter(stamps_spent=0)
    return list(qs)
