"""Rewards a write reaches, gives back or delivers. Callers hold the card's lock (``cards.locks.card_lock``).

A milestone reached issues its reward (``rewards.services``) and delivers it: an award waits at the counter, a
voucher goes into the card (``vouchers``), a lottery is drawn at once when its lottery says so (``lottery``) and its
prize delivered here. A reversal gives stamps back by withdrawing what the customer has not used.
"""

import uuid

from django.db import transaction

from stampcard.cards.milestones import milestones_crossed
from stampcard.cards.models import Card, Check, RewardKind
from stampcard.core.benefit import Benefit
from stampcard.core.validity import Validity
from stampcard.lottery import selectors as lottery_selectors
from stampcard.lottery import services as lottery_services
from stampcard.lottery.models import LotteryDraw, VariantKind
from stampcard.merchants.actors import Actor
from stampcard.rewards import locks as rewards_locks
from stampcard.rewards import selectors as rewards_selectors
from stampcard.rewards import services as rewards_services
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers import services as vouchers_services


def rewards_issue_reached(*, card: Card, actor: Actor, check: Check | None = None) -> list[Reward]:
    """Issue the reward of every milestone the card's stamps now reach; the last one of a round takes its stamps.

    An award waits at the counter (ready); a voucher goes into the card at once; a lottery is drawn at once when
    the lottery says so (its draws hang off the reward), else it waits ready for the customer to spin.
    """
    crossings = milestones_crossed(
        stamps=card.stamps, reached=card.milestones_reached, milestones=card.rules.milestone_list()
    )
    issued = []
    for crossing in crossings:
        reward = rewards_services.reward_issue_for_milestone(card=card, crossing=crossing, actor=actor, check=check)
        if crossing.resets:
            card.cycle, card.milestones_reached = card.cycle + 1, 0
        else:
            card.milestones_reached = crossing.index + 1
        _deliver(reward=reward, card=card, actor=actor, check=check)
        issued.append(reward)
    if issued:
        card.rewards_earned += len(issued)
        rewards_services.card_progress_save(card=card)
    return issued


def _deliver(*, reward: Reward, card: Card, actor: Actor, check: Check | None) -> None:
    if reward.kind == RewardKind.VOUCHER:
        terms = reward.spec.get("voucher") or {}
        vouchers_services.voucher_issue(
            actor=actor,
            card=card,
            title=reward.title,
            description=reward.description,
            validity=Validity.from_spec(terms.get("validity")),
            benefit=Benefit.from_spec(terms.get("benefit")),
            reward=reward,
            check=check,
        )
        rewards_services.reward_mark_delivered(reward=reward)
    elif reward.kind == RewardKind.LOTTERY:
        lottery = lottery_selectors.lottery_for_reward(merchant_id=card.merchant_id, reward=reward)
        if lottery is not None and lottery.draw_at == "checkout":
            reward_draw(actor=actor, reward=reward, check=check)
            reward.refresh_from_db(fields=["state", "handed_over_at"])


@transaction.atomic
def reward_draw(*, actor: Actor, reward: Reward, check: Check | None = None) -> list[LotteryDraw]:
    """Spin a ready lottery reward (``lottery.services.lottery_draw_for_reward``) and deliver what it gives: an
    award becomes a ready reward on the card, a voucher goes into the card, nothing gives nothing. Raises what the
    draw raises (NotFound, LotteryRewardNotReady, LotteryUnavailable). The draws are returned in order."""
    draws = lottery_services.lottery_draw_for_reward(actor=actor, reward=reward, check=check)
    for draw in draws:
        _deliver_prize(actor=actor, draw=draw)
    return draws


def _deliver_prize(*, actor: Actor, draw: LotteryDraw) -> None:
    variant, card, check = draw.variant, draw.card, draw.check_ref
    if draw.outcome == VariantKind.AWARD:
        prize = rewards_services.reward_grant_award(
            card=card,
            actor=actor,
            title=variant.name,
            description=variant.greeting,
            source="lottery",
            check=check,
            draw_id=str(draw.pk),
            lottery_id=str(draw.lottery_id),
        )
        lottery_services.draw_prize_record(draw=draw, reward=prize)
    elif draw.outcome == VariantKind.VOUCHER:
        terms = variant.voucher or {}
        (voucher,) = vouchers_services.voucher_issue(
            actor=actor,
            card=card,
            title=terms.get("title") or variant.name,
            description=terms.get("description") or variant.greeting,
            validity=Validity.from_spec(terms.get("validity")),
            benefit=Benefit.from_spec(terms.get("benefit")),
            check=check,
        )
        lottery_services.draw_prize_record(draw=draw, voucher_code=voucher.code)


@transaction.atomic
def reward_spin(*, actor: Actor, reward_id: str | uuid.UUID, card: Card | None = None) -> list[LotteryDraw]:
    """Spin a lottery reward of this merchant (of ``card`` when given) by its id. Raises NotFound otherwise."""
    reward = rewards_selectors.reward_get(
        merchant=actor.merchant, reward_id=reward_id, card=card, kind=RewardKind.LOTTERY if card else None
    )
    return reward_draw(actor=actor, reward=reward)


def rewards_withdraw_to_cover(*, card: Card, check: Check, stamps_needed: int, actor: Actor) -> list[Reward]:
    """Withdraw rewards so that a reversed check's stamps can come off the card; returns the withdrawn ones.

    While the card holds fewer than ``stamps_needed`` stamps, a reward that reset the card (the last milestone of a
    round) is withdrawn, which gives its stamps back: this check's own first, then the newest. Before that, the
    current round's intermediate rewards are withdrawn, newest first, since their round is being unwound.

    Only what the customer has not used can be withdrawn: a ready award or lottery, or a voucher not redeemed. The
    first reward that cannot be withdrawn stops the unwinding: the customer keeps it, and the caller reports the
    stamps it could not take back. ``rewards_unwind_intermediate`` then settles the round after the stamps are off.
    """
    if card.stamps >= stamps_needed:
        return []
    live = rewards_locks.rewards_lock_live(card=card)
    # With one goal every round is a single reward, so which one goes back is free: this check's own, then the
    # newest. With several milestones rounds nest in time and are unwound strictly newest first.
    single_goal = len(card.rules.milestone_list()) == 1
    finals = sorted(
        (r for r in live if r.stamps_spent > 0),
        key=lambda r: (single_goal and r.check_ref_id != check.pk, -r.created_at.timestamp(), str(r.pk)),
    )
    withdrawn: list[Reward] = []
    for final in finals:
        if card.stamps >= stamps_needed:
            break
        if not _unwind_round(card=card, live=live, down_to=0, check=check, actor=actor, withdrawn=withdrawn):
            break
        if not _withdraw(reward=final, card=card, check=check, actor=actor):
            if single_goal:
                continue  # rounds are independent: another unused reward can give the stamps back
            break
        withdrawn.append(final)
        card.cycle = max(card.cycle - 1, 0)
        card.milestones_reached = len(card.rules.milestone_list()) - 1  # the round it closed was complete
    _save_progress(card, withdrawn)
    return withdrawn


def rewards_unwind_intermediate(*, card: Card, check: Check, actor: Actor) -> list[Reward]:
    """After stamps came off: withdraw the current round's milestones the card no longer reaches, newest first."""
    milestones = card.rules.milestone_list()
    reached = min(card.milestones_reached, len(milestones) - 1)
    down_to = next((i for i in range(reached) if card.stamps < milestones[i]["at"]), reached)
    if down_to == reached:
        return []
    live = rewards_locks.rewards_lock_live(card=card, cycle=card.cycle, milestone_only=True)
    withdrawn: list[Reward] = []
    _unwind_round(card=card, live=live, down_to=down_to, check=check, actor=actor, withdrawn=withdrawn)
    _save_progress(card, withdrawn)
    return withdrawn


def _unwind_round(
    *, card: Card, live: list[Reward], down_to: int, check: Check, actor: Actor, withdrawn: list[Reward]
) -> bool:
    """Withdraw the current round's intermediate rewards above ``down_to``; False if one cannot be withdrawn."""
    while card.milestones_reached > down_to:
        index = card.milestones_reached - 1
        reward = next(
            (
                r
                for r in reversed(live)
                if r.cycle == card.cycle
                and r.milestone == index
                and r.stamps_spent == 0
                and r.state != RewardState.WITHDRAWN
                and not rewards_selectors.reward_is_prize(r)
            ),
            None,
        )
        if reward is not None:
            if not _withdraw(reward=reward, card=card, check=check, actor=actor):
                return False
            withdrawn.append(reward)
        card.milestones_reached = index
    return True


def _withdraw(*, reward: Reward, card: Card, check: Check, actor: Actor) -> bool:
    """Take back one reward the customer has not used; False (and nothing changed) if they have."""
    if reward.kind == RewardKind.VOUCHER:
        if reward.state != RewardState.HANDED_OVER or not vouchers_services.voucher_withdraw_for_reward(
            reward=reward, actor=actor
        ):
            return False
    elif reward.state != RewardState.READY:
        return False
    rewards_services.reward_withdraw(reward=reward, card=card, check=check, actor=actor)
    return True


def _save_progress(card: Card, withdrawn: list[Reward]) -> None:
    card.rewards_earned -= len(withdrawn)
    rewards_services.card_progress_save(card=card)
