"""Writes for lotteries: setting one up, and drawing for a ready lottery reward.

A draw runs in the card's transaction with the card locked, then locks the lottery's seed row for the current
period: draws of one lottery are serialised there, so sequence numbers are gapless and unique and the caps read
under that lock are exact. The counters still move with conditional UPDATEs, so a cap holds even if that ordering
were ever broken (the draw would then fail rather than over-give).
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, Check, EventKind, RewardKind
from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.lottery import errors, fairness, locks, seeds, selectors, validation
from stampcard.lottery.models import (
    PROBABILITY_SCALE,
    Lottery,
    LotteryDailyWins,
    LotteryDraw,
    LotteryVariant,
    VariantKind,
)
from stampcard.lottery.validation import percent
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Merchant, Role
from stampcard.merchants.services import ensure_role
from stampcard.rewards import locks as rewards_locks
from stampcard.rewards import services as rewards_services
from stampcard.rewards.models import Reward, RewardState

CAPPED_DAILY, CAPPED_TOTAL = "daily", "total"


# --- configuration -------------------------------------------------------------------------------------------------


@transaction.atomic
def lottery_create(*, actor: Actor, name: str, variants: list[dict], draw_at: str = "checkout") -> Lottery:
    """Create a lottery (manager). ``variants``: dicts with ``kind``, ``name``, optional ``greeting``, the
    probability as ``probability_ppm`` (int, parts per million) or ``probability`` (percent, up to 4 decimals),
    optional ``daily_cap``/``total_cap``, and for vouchers ``voucher`` = {"title", "description", "validity"}.

    Raises LotteryProbabilitiesNotExact unless the probabilities total exactly 100%, LotteryInvalid otherwise."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    lottery = Lottery(
        merchant=actor.merchant,
        name=validation.clean_name(name),
        draw_at=validation.clean_draw_at(draw_at),
        is_active=True,
        version=1,
    )
    cleaned = validation.clean_variants(variants)
    lottery.save()
    _save_variants(lottery, cleaned)
    seeds.seeds_publish(lottery=lottery)
    return lottery


@transaction.atomic
def lottery_update(
    *,
    actor: Actor,
    lottery_id: str | uuid.UUID,
    name: str | None = None,
    is_active: bool | None = None,
    draw_at: str | None = None,
    variants: list[dict] | None = None,
) -> Lottery:
    """Change a lottery (manager). Its prize table can be replaced only while it has no draws (LotteryFrozen
    otherwise): a published table is what customers were promised and what past draws are verified against."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    lottery = selectors.lottery_get(merchant=actor.merchant, lottery_id=lottery_id)
    lottery = locks.lottery_lock(lottery_id=lottery.pk)
    fields = []
    if name is not None:
        lottery.name = validation.clean_name(name)
        fields.append("name")
    if is_active is not None:
        lottery.is_active = is_active
        fields.append("is_active")
    if draw_at is not None:
        lottery.draw_at = validation.clean_draw_at(draw_at)
        fields.append("draw_at")
    if variants is not None:
        cleaned = validation.clean_variants(variants)
        if LotteryDraw.objects.filter(lottery=lottery).exists():
            raise errors.LotteryFrozen(lottery_id=str(lottery.pk))
        LotteryVariant.objects.filter(lottery=lottery).delete()
        _save_variants(lottery, cleaned)
        lottery.version += 1
        fields.append("version")
    if fields:
        lottery.save(update_fields=fields)
    return lottery


def _save_variants(lottery: Lottery, cleaned: list[dict[str, Any]]) -> None:
    LotteryVariant.objects.bulk_create(
        LotteryVariant(merchant_id=lottery.merchant_id, lottery=lottery, position=i, **v) for i, v in enumerate(cleaned)
    )


# --- odds ----------------------------------------------------------------------------------------------------------


def _local_day(merchant: Merchant, moment: datetime) -> date:
    return moment.astimezone(merchant.tz).date()


def wins_on(*, variants: list[LotteryVariant], day: date) -> dict[uuid.UUID, int]:
    """Prizes given per variant on ``day`` (the merchant's local calendar day), in one query."""
    return dict(LotteryDailyWins.objects.filter(variant__in=variants, day=day).values_list("variant_id", "wins"))


def _caps_in_force(
    variants: list[LotteryVariant], *, day: date, today: dict[uuid.UUID, int] | None = None
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, int]]:
    """Which variants are capped now (and why), and each variant's wins today."""
    if today is None:
        today = wins_on(variants=variants, day=day)
    capped: dict[uuid.UUID, str] = {}
    for variant in variants:
        if variant.total_cap is not None and variant.wins_total >= variant.total_cap:
            capped[variant.pk] = CAPPED_TOTAL
        elif variant.daily_cap is not None and today.get(variant.pk, 0) >= variant.daily_cap:
            capped[variant.pk] = CAPPED_DAILY
    return capped, today


def lottery_odds(
    *, lottery: Lottery, now: datetime | None = None, wins_today: dict[uuid.UUID, int] | None = None
) -> list[dict]:
    """The odds as a customer would be shown them now: one row per prize with its effective probability (0 when
    capped, with the reason), plus a "nothing" row collecting the probability of capped prizes, if any. The
    ``probability_ppm`` of the rows always totals exactly 100%. ``wins_today`` (from ``wins_on``) spares the
    query for lists."""
    now = now or clock.now()
    variants = list(lottery.variants.all())  # Meta.ordering: by position; uses a prefetch when there is one
    capped, today = _caps_in_force(variants, day=_local_day(lottery.merchant, now), today=wins_today)
    rows: list[dict[str, Any]] = []
    folded: list[LotteryVariant] = []
    for variant in variants:
        reason = capped.get(variant.pk)
        if reason:
            folded.append(variant)
        effective = 0 if reason else variant.probability_ppm
        rows.append(
            {
                "variant_id": str(variant.pk),
                "kind": variant.kind,
                "name": variant.name,
                "probability_ppm": effective,
                "probability": percent(effective),
                "configured_ppm": variant.probability_ppm,
                "capped": reason,
                "remaining_today": None
                if variant.daily_cap is None
                else max(variant.daily_cap - today.get(variant.pk, 0), 0),
                "remaining_total": None
                if variant.total_cap is None
                else max(variant.total_cap - variant.wins_total, 0),
                "fallback_for": [],
            }
        )
    if folded:
        ppm = sum(v.probability_ppm for v in folded)
        rows.append(
            {
                "variant_id": None,
                "kind": VariantKind.NOTHING.value,
                "name": _("Nothing (in place of prizes that ran out)"),
                "probability_ppm": ppm,
                "probability": percent(ppm),
                "configured_ppm": 0,
                "capped": None,
                "remaining_today": None,
                "remaining_total": None,
                "fallback_for": [str(v.pk) for v in folded],
            }
        )
    return rows


# --- drawing -------------------------------------------------------------------------------------------------------


@transaction.atomic
def lottery_draw_for_reward(*, actor: Actor, reward: Reward, check: Check | None = None) -> list[LotteryDraw]:
    """Spin a ready lottery-kind reward (its ``spec["lottery_id"]``); the prize is delivered by the caller
    (``checkouts.rewards.reward_draw``), which records it with ``draw_prize_record``.

    Takes the card's lock (a caller already holding it in this transaction may call freely). Every draw is a
    LOTTERY_DRAW ledger row (delta 0); the reward becomes HANDED_OVER; an extra try draws once more, and an extra
    try on that second draw counts as nothing.

    Raises NotFound (another tenant's reward), LotteryRewardNotReady (not a lottery reward, or not ready) or
    LotteryUnavailable (its lottery is gone). The draws are returned in order."""
    if reward.merchant_id != actor.merchant.pk:
        raise NotFound(code="reward_not_found")
    card = card_lock(merchant=actor.merchant, card_id=reward.card_id)
    reward = rewards_locks.reward_lock(reward_id=reward.pk)
    if reward.kind != RewardKind.LOTTERY or reward.state != RewardState.READY:
        raise errors.LotteryRewardNotReady(reward_id=str(reward.pk), kind=reward.kind, state=reward.state)
    lottery = selectors.lottery_for_reward(merchant_id=actor.merchant.pk, reward=reward)
    if lottery is None:
        raise errors.LotteryUnavailable(reward_id=str(reward.pk), lottery_id=(reward.spec or {}).get("lottery_id"))
    lottery.merchant = actor.merchant
    check = check or reward.check_ref

    rewards_services.reward_mark_delivered(reward=reward, actor=actor)

    draws = [_draw(actor=actor, lottery=lottery, card=card, reward=reward, check=check, retry_of=None)]
    if draws[0].outcome == VariantKind.EXTRA_TRY:
        draws.append(_draw(actor=actor, lottery=lottery, card=card, reward=reward, check=check, retry_of=draws[0]))
    return draws


def _draw(
    *,
    actor: Actor,
    lottery: Lottery,
    card: Card,
    reward: Reward | None,
    check: Check | None,
    retry_of: LotteryDraw | None,
) -> LotteryDraw:
    now = clock.now()
    seed = seeds.seed_for_period(lottery=lottery, period=seeds.period_of(now))
    seed = locks.seed_lock(seed_id=seed.pk)
    if seeds.seed_is_revealed(seed, now=now):  # cannot happen: the period is the one containing now
        raise RuntimeError("refusing to draw with a revealed seed")
    sequence = seed.next_sequence
    type(seed).objects.filter(pk=seed.pk).update(next_sequence=F("next_sequence") + 1)

    variants = list(LotteryVariant.objects.filter(lottery=lottery).order_by("position"))
    day = _local_day(actor.merchant, now)
    capped, today = _caps_in_force(variants, day=day)
    draw_id = uuid.uuid4()
    inputs = {
        "algorithm": fairness.ALGORITHM,
        "scale": PROBABILITY_SCALE,
        "lottery": str(lottery.pk),
        "period": seed.period.isoformat(),
        "sequence": sequence,
        "retry_of": retry_of.sequence if retry_of else None,
        "table": [
            {"variant": str(v.pk), "kind": v.kind, "ppm": v.probability_ppm, "capped": v.pk in capped} for v in variants
        ],
    }
    roll, picked = fairness.draw(seed_hex=seed.seed, inputs=inputs)
    variant = variants[picked.index]
    if picked.outcome != VariantKind.NOTHING:
        _count_win(variant, day=day)
    snapshot = {
        "lottery_version": lottery.version,
        "day": day.isoformat(),
        "variants": [
            {
                "variant": str(v.pk),
                "position": v.position,
                "kind": v.kind,
                "name": v.name,
                "greeting": v.greeting,
                "probability_ppm": v.probability_ppm,
                "daily_cap": v.daily_cap,
                "total_cap": v.total_cap,
                "wins_today": today.get(v.pk, 0),
                "wins_total": v.wins_total,
                "capped": capped.get(v.pk),
                "voucher": v.voucher,
            }
            for v in variants
        ],
    }
    draw = LotteryDraw.objects.create(
        id=draw_id,
        merchant_id=lottery.merchant_id,
        lottery=lottery,
        seed=seed,
        sequence=sequence,
        card=card,
        reward=reward,
        retry_of=retry_of,
        check_ref=check,
        commitment=seed.commitment,
        inputs=inputs,
        snapshot=snapshot,
        roll=roll,
        variant=variant,
        outcome=picked.outcome,
    )
    ledger_append(
        card=card,
        kind=EventKind.LOTTERY_DRAW,
        delta=0,
        actor=actor,
        check=check,
        draw_id=str(draw.pk),
        lottery_id=str(lottery.pk),
        reward_id=str(reward.pk) if reward else None,
        variant_id=str(variant.pk),
        variant_name=variant.name,
        outcome=draw.outcome,
        roll=roll,
        period=seed.period.isoformat(),
        sequence=sequence,
    )
    return draw


def _count_win(variant: LotteryVariant, *, day: date) -> None:
    """Count a prize given; conditional so that no interleaving can take a counter past its cap."""
    total = LotteryVariant.objects.filter(pk=variant.pk)
    if variant.total_cap is not None:
        total = total.filter(wins_total__lt=variant.total_cap)
    daily = LotteryDailyWins.objects.filter(variant=variant, day=day)
    if variant.daily_cap is not None:
        daily = daily.filter(wins__lt=variant.daily_cap)
    LotteryDailyWins.objects.bulk_create([LotteryDailyWins(variant=variant, day=day)], ignore_conflicts=True)
    if not (total.update(wins_total=F("wins_total") + 1) and daily.update(wins=F("wins") + 1)):
        raise RuntimeError(f"lottery prize {variant.pk} passed its cap: draws were not serialised on the seed lock")


def draw_prize_record(*, draw: LotteryDraw, reward: Reward | None = None, voucher_code: str = "") -> None:
    """Remember what a winning draw gave: the ready award, or the code of the voucher put into the card."""
    if reward is not None:
        draw.prize_reward = reward
        draw.save(update_fields=["prize_reward"])
    if voucher_code:
        draw.prize_voucher_code = voucher_code
        draw.save(update_fields=["prize_voucher_code"])
