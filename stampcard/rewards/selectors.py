"""Reads for rewards."""

from collections.abc import Iterable

from stampcard.cards.models import Card
from stampcard.rewards.models import Reward, RewardState


def rewards_ready_by_card(*, cards: Iterable[Card]) -> dict[int, list[Reward]]:
    """Ready rewards of several cards in one query, keyed by card id."""
    by_card: dict[int, list[Reward]] = {card.pk: [] for card in cards}
    if by_card:
        for reward in Reward.objects.filter(card_id__in=by_card, state=RewardState.READY).order_by("created_at"):
            by_card[reward.card_id].append(reward)
    return by_card
