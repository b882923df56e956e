"""Writes for rewards reached on cards. Callers hold the card's lock (``cards.locks.card_lock``)."""

import uuid
from typing import Any

from django.db import transaction

from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.milestones import milestones_crossed
from stampcard.cards.models import Card, Check, EventKind, RewardKind
from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.merchants.actors import Actor
from stampcard.rewards import errors
from stampcard.rewards.models import Reward, RewardState


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
        if crossing.resets:
            card.cycle, card.milestones_reached = card.cycle + 1, 0
        else:
            card.milestones_reached = crossing.index + 1
        _deliver(reward=reward, card=card, actor=actor, check=check)
        issued.append(reward)
    if issued:
        card.rewards_earned += len(issued)
        Card.objects.filter(pk=card.pk).update(
            rewards_earned=card.rewards_earned, cycle=card.cycle, milestones_reached=card.milestones_reached
        )
    return issued


def _deliver(*, reward: Reward, card: Card, actor: Actor, check: Check | None) -> None:
    # Vouchers and the lottery build on cards and rewards (they lock cards and create rewards), so they are
    # imported here rather than at the top, where they would close an import cycle.
    if reward.kind == RewardKind.VOUCHER:
        from stampcard.vouchers.services import Validity, voucher_issue

        voucher_issue(
            actor=actor,
            card=card,
            title=reward.title,
            description=reward.description,
            validity=Validity.from_spec((reward.spec.get("voucher") or {}).get("validity")),
            reward=reward,
            check=check,
        )
        _mark_delivered(reward)
    elif reward.kind == RewardKind.LOTTERY:
        from stampcard.lottery import services as lottery_services
        from stampcard.lottery.models import Lottery
        from stampcard.lottery.selectors import as_uuid

        lottery_id = as_uuid(reward.spec.get("lottery_id"))
        lottery = Lottery.objects.filter(merchant_id=card.merchant_id, pk=lottery_id).first() if lottery_id else None
        if lottery is not None and lottery.draw_at == "checkout":
            lottery_services.lottery_draw_for_reward(actor=actor, reward=reward, check=check)
            reward.refresh_from_db(fields=["state", "handed_over_at"])


def reward_grant_award(
    *, card: Card, actor: Actor, title: str, source: str, description: str = "", check: Check | None = None, **spec: Any
) -> Reward:
    """Give the card a ready award outside its milestones (e.g. a delivery insert's welcome gift); returns it.

    It spends no stamps and moves no milestone; it waits at the counter like any award (``reward_hand_over``).
    ``source`` (e.g. "insert") and ``spec`` are kept in the reward's spec, which keeps reversals from taking it for a
    milestone's reward. Precondition: the caller holds the card's lock (``cards.locks.card_lock``).
    """
    if not source:
        raise ValueError("a granted award names its source")
    reward = Reward.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        kind=RewardKind.AWARD,
        state=RewardState.READY,
        title=title,
        description=description,
        stamps_spent=0,
        cycle=card.cycle,
        spec={**spec, "kind": RewardKind.AWARD.value, "title": title, "source": source},
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
    )
    return reward


def _mark_delivered(reward: Reward) -> None:
    reward.state, reward.handed_over_at = RewardState.HANDED_OVER, clock.now()
    reward.save(update_fields=["state", "handed_over_at"])


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
    live = list(Reward.objects.select_for_update().filter(card=card).exclude(state=RewardState.WITHDRAWN))
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
    live = list(
        Reward.objects.select_for_update()
        .filter(card=card, cycle=card.cycle, stamps_spent=0)
        .exclude(state=RewardState.WITHDRAWN)
    )
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
                and not _is_prize(r)
            ),
            None,
        )
        if reward is not None:
            if not _withdraw(reward=reward, card=card, check=check, actor=actor):
                return False
            withdrawn.append(reward)
        card.milestones_reached = index
    return True


def _is_prize(reward: Reward) -> bool:
    """Not reached by stamps (a lottery's prize, a granted award such as an insert's welcome gift), so no reversal of
    stamps takes it back. Milestone rewards never carry a ``source``."""
    return bool(reward.spec.get("source"))


def _withdraw(*, reward: Reward, card: Card, check: Check, actor: Actor) -> bool:
    """Take back one reward the customer has not used; False (and nothing changed) if they have."""
    if reward.kind == RewardKind.VOUCHER:
        from stampcard.vouchers.services import voucher_withdraw_for_reward  # see _deliver

        if reward.state != RewardState.HANDED_OVER or not voucher_withdraw_for_reward(reward=reward, actor=actor):
            return False
    elif reward.state != RewardState.READY:
        return False
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
    return True


def _save_progress(card: Card, withdrawn: list[Reward]) -> None:
    card.rewards_earned -= len(withdrawn)
    Card.objects.filter(pk=card.pk).update(
        rewards_earned=card.rewards_earned, cycle=card.cycle, milestones_reached=card.milestones_reached
    )


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
