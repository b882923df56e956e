"""Reads for lotteries. Every lookup takes the merchant: another tenant's ids are NotFound."""

import uuid

from django.db.models import QuerySet

from stampcard.lottery import errors
from stampcard.lottery.models import Lottery, LotteryDraw
from stampcard.merchants.models import Merchant
from stampcard.rewards.models import Reward


def as_uuid(value: str | uuid.UUID) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def lottery_for_reward(*, merchant_id: uuid.UUID, reward: Reward) -> Lottery | None:
    """The lottery a lottery-kind reward spins (its ``spec["lottery_id"]``), or None when it is gone."""
    pk = as_uuid((reward.spec or {}).get("lottery_id") or "")
    return Lottery.objects.filter(merchant_id=merchant_id, pk=pk).first() if pk else None


def lottery_get(*, merchant: Merchant, lottery_id: str | uuid.UUID) -> Lottery:
    pk = as_uuid(lottery_id)
    qs = Lottery.objects.select_related("merchant").prefetch_related("variants")
    lottery = qs.filter(merchant=merchant, pk=pk).first() if pk else None
    if lottery is None:
        raise errors.LotteryNotFound()
    return lottery


def lottery_list(*, merchant: Merchant) -> QuerySet[Lottery]:
    qs = Lottery.objects.filter(merchant=merchant).select_related("merchant").prefetch_related("variants")
    return qs.order_by("created_at")


def lottery_draw_get(*, merchant: Merchant, draw_id: str | uuid.UUID) -> LotteryDraw:
    pk = as_uuid(draw_id)
    qs = LotteryDraw.objects.select_related("seed", "variant", "card", "lottery")
    draw = qs.filter(merchant=merchant, pk=pk).first() if pk else None
    if draw is None:
        raise errors.LotteryDrawNotFound()
    return draw


def lottery_ids(*, merchant: Merchant) -> set[str]:
    """The ids of the merchant's lotteries, as a milestone's reward may name them."""
    return {str(pk) for pk in Lottery.objects.filter(merchant=merchant).values_list("pk", flat=True)}


def lottery_draws_recent(*, lottery: Lottery, limit: int = 20) -> list[LotteryDraw]:
    """The lottery's latest draws, newest first, with their period's seed, prize and card."""
    qs = LotteryDraw.objects.filter(lottery=lottery).select_related("seed", "variant", "card__customer")
    return list(qs.order_by("-created_at", "-sequence")[:limit])


def lottery_has_draws(*, lottery: Lottery) -> bool:
    """Whether the lottery has drawn (then its prize table is frozen: ``services.lottery_update``)."""
    return LotteryDraw.objects.filter(lottery=lottery).exists()
