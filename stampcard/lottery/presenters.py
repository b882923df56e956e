"""Lottery objects -> API payloads (plain dicts validated by ``lottery.schemas``)."""

import uuid
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from stampcard.core import clock
from stampcard.lottery import services, validation
from stampcard.lottery.models import Lottery, LotteryDraw, LotteryVariant, VariantKind


def variant_payload(variant: LotteryVariant) -> dict[str, Any]:
    return {
        "id": str(variant.pk),
        "position": variant.position,
        "kind": variant.kind,
        "name": variant.name,
        "greeting": variant.greeting,
        "probability_ppm": variant.probability_ppm,
        "probability": validation.percent(variant.probability_ppm),
        "daily_cap": variant.daily_cap,
        "total_cap": variant.total_cap,
        "voucher": variant.voucher,
        "wins_total": variant.wins_total,
    }


def lotteries_payload(lotteries: list[Lottery]) -> list[dict[str, Any]]:
    """Several lotteries (variants prefetched, of one merchant) in a fixed number of queries."""
    if not lotteries:
        return []
    now = clock.now()
    variants = [v for lottery in lotteries for v in lottery.variants.all()]
    wins = services.wins_on(variants=variants, day=now.astimezone(lotteries[0].merchant.tz).date())
    return [lottery_payload(lottery, now=now, wins_today=wins) for lottery in lotteries]


def lottery_payload(
    lottery: Lottery, *, now: datetime | None = None, wins_today: dict[uuid.UUID, int] | None = None
) -> dict[str, Any]:
    return {
        "id": str(lottery.pk),
        "name": lottery.name,
        "is_active": lottery.is_active,
        "draw_at": lottery.draw_at,
        "version": lottery.version,
        "created_at": lottery.created_at,
        "variants": [variant_payload(v) for v in lottery.variants.all()],
        "odds": services.lottery_odds(lottery=lottery, now=now, wins_today=wins_today),
    }


def draw_payload(draw: LotteryDraw) -> dict[str, Any]:
    variant = draw.variant
    prize = draw.prize_reward
    return {
        "id": str(draw.pk),
        "lottery_id": str(draw.lottery_id),
        "period": draw.seed.period.isoformat(),
        "sequence": draw.sequence,
        "roll": draw.roll,
        "variant": {"id": str(variant.pk), "kind": variant.kind, "name": variant.name, "greeting": variant.greeting},
        "outcome": draw.outcome,
        "greeting": _greeting(draw),
        "retry_of": str(draw.retry_of_id) if draw.retry_of_id else None,
        "reward": None
        if prize is None
        else {
            "id": str(prize.pk),
            "kind": prize.kind,
            "state": prize.state,
            "title": prize.title,
            "description": prize.description,
        },
        "voucher_code": draw.prize_voucher_code or None,
        "drawn_at": draw.created_at,
        "proof_url": reverse("api-v1:lottery_draw_proof", kwargs={"draw_id": draw.pk}),
    }


def _greeting(draw: LotteryDraw) -> str:
    variant = draw.variant
    if draw.outcome == variant.kind:
        return variant.greeting
    if variant.kind == VariantKind.EXTRA_TRY:
        return _("No prize this time: an extra try gives only one more spin.")
    return _("No prize this time: %(prize)s has run out for now.") % {"prize": variant.name}
