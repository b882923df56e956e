"""Reads for rewards: the one door to ``Reward`` rows for every layer above."""

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet

from stampcard.cards.models import Card, RewardKind
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant
from stampcard.rewards.models import Reward, RewardState


def reward_get(
    *, merchant: Merchant, reward_id: str | uuid.UUID, card: Card | None = None, kind: RewardKind | None = None
) -> Reward:
    """A reward of this merchant (and of ``card`` / of ``kind`` when given). Raises NotFound otherwise, for a
    malformed id and for another tenant's reward alike."""
    try:
        pk = uuid.UUID(str(reward_id))
    except ValueError:
        raise NotFound(code="reward_not_found") from None
    qs = Reward.objects.filter(merchant=merchant, pk=pk)
    if card is not None:
        qs = qs.filter(card=card)
    if kind is not None:
        qs = qs.filter(kind=kind)
    reward = qs.first()
    if reward is None:
        raise NotFound(code="reward_not_found")
    return reward


def rewards_ready_by_card(*, cards: Iterable[Card]) -> dict[int, list[Reward]]:
    """Ready rewards of several cards in one query, keyed by card id."""
    by_card: dict[int, list[Reward]] = {card.pk: [] for card in cards}
    if by_card:
        for reward in rewards_ready_queryset(card_ids=list(by_card)):
            by_card[reward.card_id].append(reward)
    return by_card


def rewards_ready_queryset(*, card_ids: list[int]) -> QuerySet[Reward]:
    """The ready rewards of these cards, oldest first (``rewards_ready_by_card`` groups them)."""
    return Reward.objects.filter(card_id__in=card_ids, state=RewardState.READY).order_by("created_at")


def rewards_of_check(*, check_id: int) -> list[Reward]:
    """Every reward a check's stamps reached or its lottery gave, oldest first (withdrawn ones included)."""
    return list(Reward.objects.filter(check_ref_id=check_id).order_by("created_at"))


def rewards_by_ids(*, ids: Iterable[str | uuid.UUID]) -> list[Reward]:
    """Rewards by primary key, oldest first (e.g. those a reversal's ledger lines name)."""
    return list(Reward.objects.filter(pk__in=list(ids)).order_by("created_at"))


def reward_is_prize(reward: Reward) -> bool:
    """Not reached by stamps (a lottery's prize, a granted award such as an insert's welcome gift), so no reversal of
    stamps takes it back. Milestone rewards never carry a ``source``."""
    return bool((reward.spec or {}).get("source"))
