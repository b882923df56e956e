"""Builders for lottery tests: prize tables, lotteries made through the service, and ready lottery rewards."""

from typing import Any

from django.db.models import F

from stampcard.cards.models import Card
from stampcard.checkouts.rewards import reward_draw
from stampcard.lottery import services
from stampcard.lottery.models import Lottery
from stampcard.merchants.actors import Actor
from stampcard.rewards.models import Reward


def variant(kind: str, ppm: int, name: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name or kind.replace("_", " ").title(), "probability_ppm": ppm, **extra}


def make_lottery(actor: Actor, variants: list[dict[str, Any]], **kwargs: Any) -> Lottery:
    return services.lottery_create(actor=actor, name=kwargs.pop("name", "Wheel"), variants=variants, **kwargs)


def lottery_reward(card: Card, lottery: Lottery, **extra: Any) -> Reward:
    """A ready lottery reward on the card, as reaching a lottery milestone leaves it (counted among the card's
    holdings, as the milestone's ledger line counts it, so the card's answers read it)."""
    Card.objects.filter(pk=card.pk).update(holdings_added=F("holdings_added") + 1)
    card.holdings_added += 1
    return Reward.objects.create(
        merchant=card.merchant,
        card=card,
        kind="lottery",
        state="ready",
        title="Spin the wheel",
        stamps_spent=0,
        spec={"lottery_id": str(lottery.pk)},
        **extra,
    )


def spin(actor: Actor, card: Card, lottery: Lottery) -> list:
    return reward_draw(actor=actor, reward=lottery_reward(card, lottery))
