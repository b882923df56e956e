"""Referral writes: the program's setting, a friend's join through a link, and the reward on the friend's first paid
visit.

``referral_first_visit`` runs inside ``checkouts.services.checkout_commit`` (the layer above orchestrates: it calls
this, then issues the rewards the bonus stamps reach), under the friend card's row lock. The referral row is
locked and its state re-checked, so the reward is granted once whatever the concurrency. The referrer's card is
locked after the friend's; it is always the older of the two (a friend is a new customer), so referral rewards never
wait on each other in a cycle.
"""

import logging
import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.ledger import ledger_append
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card, Check, EventKind
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, NotFound, ValidationFailed
from stampcard.core.validity import Validity
from stampcard.merchants import metering
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.merchants.services import ensure_role
from stampcard.referrals import abuse, selectors
from stampcard.referrals.models import (
    Referral,
    ReferralCode,
    ReferralMode,
    ReferralRewardKind,
    ReferralSettings,
    ReferralState,
)
from stampcard.vouchers import services as vouchers_services

logger = logging.getLogger(__name__)

# Checks that stamp without a visit: a delivery insert's welcome stamp (``inserts.selectors.INSERT_POS``, named here
# by value because inserts sit above this layer) is a gift, not a first purchase.
NOT_VISITS = frozenset({"insert"})


@transaction.atomic
def referral_settings_update(
    *,
    actor: Actor,
    program_id: str | uuid.UUID,
    mode: str,
    reward_kind: str = ReferralRewardKind.STAMPS,
    reward_stamps: int = 1,
    voucher_title: str = "",
    voucher_days: int | None = None,
) -> ReferralSettings:
    """Set who a referral rewards and with what (manager or owner). Raises ValidationFailed naming the field."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    program = cards_selectors.program_get(merchant=actor.merchant, program_id=program_id)
    if mode not in ReferralMode.values:
        raise ValidationFailed(_("Choose who gets the referral reward."), code="invalid_referral_mode", field="mode")
    if reward_kind not in ReferralRewardKind.values:
        raise ValidationFailed(
            _("Choose bonus stamps or a voucher."), code="invalid_referral_reward", field="reward_kind"
        )
    if not 1 <= reward_stamps <= 100:
        raise ValidationFailed(_("Give 1 to 100 bonus stamps."), code="invalid_referral_stamps", field="reward_stamps")
    voucher_title = " ".join((voucher_title or "").split())
    if reward_kind == ReferralRewardKind.VOUCHER and not voucher_title:
        raise ValidationFailed(
            _("Name the voucher a referral gives."), code="referral_voucher_title_required", field="voucher_title"
        )
    if voucher_days is not None and not 1 <= voucher_days <= 3660:
        raise ValidationFailed(
            _("A voucher is valid for 1 to 3660 days."), code="invalid_validity", field="voucher_days"
        )
    settings, _created = ReferralSettings.objects.update_or_create(
        program=program,
        defaults={
            "mode": mode,
            "reward_kind": reward_kind,
            "reward_stamps": reward_stamps,
            "voucher_title": voucher_title[:100],
            "voucher_days": voucher_days,
        },
    )
    return settings


@transaction.atomic
def referral_join(
    *, friend_card: Card, code: str, device_id: str = "", ip: str = "", device_cards: list[Card] | None = None
) -> Referral | None:
    """Record that ``friend_card``'s customer, just enrolled as a new customer, joined through the link ``code``.

    Returns None (nothing recorded) when the code is unknown, is another program's, or the program's referrals are
    off, or the friend already counts for someone. Otherwise the referral, ``joined`` or ``refused`` (and flagged)
    with the reason from ``abuse.refusal_for``. The caller decides who is new: only a join that created the customer
    calls this.
    """
    owner = (
        ReferralCode.objects.filter(code=code, card__merchant_id=friend_card.merchant_id)
        .values_list("card_id", flat=True)
        .first()
    )
    if owner is None or owner == friend_card.pk:
        return None
    # The referrer's lock serialises the joins through one link, so a burst of farm joins is counted one by one.
    referrer_card = card_lock(merchant=friend_card.merchant, card_id=owner)
    settings = selectors.referral_settings_of(program=referrer_card.program)
    if not settings.is_on or referrer_card.program_id != friend_card.program_id:
        return None
    friend = friend_card.customer
    if Referral.objects.filter(friend_customer=friend).exists():
        return None
    key = abuse.email_key_of(friend.email)
    signals = abuse.JoinSignals(
        device_digest=abuse.digest("device", device_id),
        ip_digest=abuse.digest("ip", ip),
        device_card_ids=frozenset(card.pk for card in device_cards or []),
    )
    refusal = abuse.refusal_for(
        referrer_card=referrer_card, friend=friend, email_key_value=key, signals=signals, now=clock.now()
    )
    if refusal is None:
        # The friend's checkouts look for this referral only while the card says one waits (``referral_first_visit``).
        Card.objects.filter(pk=friend_card.pk).update(referral_pending=True)
        friend_card.referral_pending = True
    return Referral.objects.create(
        merchant_id=friend_card.merchant_id,
        program_id=friend_card.program_id,
        referrer_card=referrer_card,
        friend_card=friend_card,
        friend_customer=friend,
        state=ReferralState.REFUSED if refusal else ReferralState.JOINED,
        refusal=refusal or "",
        flagged=refusal is not None,
        device_digest=signals.device_digest,
        ip_digest=signals.ip_digest,
        email_digest=abuse.digest("email", key),
        near_digest=abuse.digest("near", abuse.near_key(key)) if key else "",
        mode=settings.mode,
    )


def referral_first_visit(*, card: Card, actor: Actor, check: Check) -> list[Card]:
    """The friend's paid visit: when ``card`` is a friend's card whose referral waits for it, qualify the referral
    and reward it as the program says, once. Called by ``checkout_commit`` in its transaction, holding ``card``'s
    lock, after the check's stamps were appended.

    Returns the other cards given bonus stamps (the referrer's), for the caller to issue the rewards they reach;
    bonus stamps on ``card`` itself are in place before the caller issues ``card``'s rewards.
    """
    if check.pos in NOT_VISITS or not card.referral_pending:
        return []  # a returning card (or one nobody referred) costs no query here
    referral = Referral.objects.select_for_update().filter(friend_card_id=card.pk, state=ReferralState.JOINED).first()
    Card.objects.filter(pk=card.pk).update(referral_pending=False)
    card.referral_pending = False
    if referral is None:
        return []
    now = clock.now()
    referral.state, referral.qualified_at, referral.qualifying_check = ReferralState.QUALIFIED, now, check
    referral.save(update_fields=["state", "qualified_at", "qualifying_check"])
    settings = selectors.referral_settings_of(program=card.program)
    if _vouchers_would_take_the_visits_operation(referral=referral, settings=settings, actor=actor):
        logger.warning("referral %s qualified but not rewarded: plan_limit_reached", referral.pk)
        return []
    try:
        with transaction.atomic():
            others = _reward(referral=referral, settings=settings, friend_card=card, actor=actor)
    except ApplicationError as refused:
        # The plan's monthly cap (a voucher is a card operation) must not refuse the customer's own stamp: the
        # referral stays qualified and the journal shows no reward; the panel lists it for a manager to give the
        # reward later (``referral_reward_give``), e.g. when the cap resets with the month.
        logger.warning("referral %s qualified but not rewarded: %s", referral.pk, refused.code)
        return []
    referral.state, referral.rewarded_at = ReferralState.REWARDED, now
    referral.save(update_fields=["state", "rewarded_at"])
    return others


_HELD_NO_MORE = _("This referral reward is no longer waiting: it has been given already.")


def referral_reward_give(*, actor: Actor, referral_id: uuid.UUID) -> list[Card]:
    """Give now the reward of a referral that qualified but was held back (the plan's monthly cap refused its voucher
    at the friend's visit): a manager's "Give the reward" in the panel. The caller holds the transaction and issues
    the rewards the returned cards' bonus stamps reach (``checkouts.referrals``).

    Locks as the friend's visit does (the friend's card, then the referral, then the referrer's card), and re-checks
    the state under the lock: two clicks give one reward. Raises ``NotFound`` (``referral_reward_not_held``) when
    the referral is not waiting for its reward, and the cap's own error when the cap still refuses it.
    """
    ensure_role(actor=actor, minimum=Role.MANAGER)
    friend_card_id = (
        Referral.objects.filter(merchant=actor.merchant, pk=referral_id, state=ReferralState.QUALIFIED)
        .values_list("friend_card_id", flat=True)
        .first()
    )
    if friend_card_id is None:
        raise NotFound(_HELD_NO_MORE, code="referral_reward_not_held")
    friend_card = card_lock(merchant=actor.merchant, card_id=friend_card_id)
    referral = Referral.objects.select_for_update().filter(pk=referral_id, state=ReferralState.QUALIFIED).first()
    if referral is None:  # given by another click while this one waited for the lock
        raise NotFound(_HELD_NO_MORE, code="referral_reward_not_held")
    settings = selectors.referral_settings_of(program=friend_card.program)
    others = _reward(referral=referral, settings=settings, friend_card=friend_card, actor=actor)
    referral.state, referral.rewarded_at = ReferralState.REWARDED, clock.now()
    referral.save(update_fields=["state", "rewarded_at"])
    return [friend_card, *others] if settings.reward_kind == ReferralRewardKind.STAMPS else []


def _vouchers_would_take_the_visits_operation(*, referral: Referral, settings: ReferralSettings, actor: Actor) -> bool:
    """Whether the reward's vouchers (each a metered operation) would leave no room under the plan's monthly cap for
    the visit's own operation, which ``checkout_commit`` records after this: the voucher then waits, not the stamp.
    A read, without the counter's lock: the counter row is the merchant's hottest and is locked last, briefly."""
    if settings.reward_kind != ReferralRewardKind.VOUCHER:
        return False
    vouchers = 2 if referral.mode == ReferralMode.BOTH else 1
    return metering.usage_refusal(merchant=actor.merchant, operations=vouchers + 1) is not None


def _reward(*, referral: Referral, settings: ReferralSettings, friend_card: Card, actor: Actor) -> list[Card]:
    others: list[Card] = []
    if referral.mode in (ReferralMode.FRIEND, ReferralMode.BOTH):
        _grant(card=friend_card, referral=referral, settings=settings, actor=actor, role="friend")
    if referral.mode in (ReferralMode.REFERRER, ReferralMode.BOTH):
        try:
            referrer_card = card_lock(merchant=actor.merchant, card_id=referral.referrer_card_id)
        except NotFound:
            return others  # the referrer's card was deleted (an erased customer): nobody to reward there
        _grant(card=referrer_card, referral=referral, settings=settings, actor=actor, role="referrer")
        if settings.reward_kind == ReferralRewardKind.STAMPS:
            others.append(referrer_card)
    return others


def _grant(*, card: Card, referral: Referral, settings: ReferralSettings, actor: Actor, role: str) -> None:
    if settings.reward_kind == ReferralRewardKind.VOUCHER:
        days = settings.voucher_days
        vouchers_services.voucher_issue(
            actor=actor,
            card=card,
            title=settings.voucher_title,
            validity=Validity(days=days) if days else None,
        )
        return
    stamps = settings.reward_stamps
    ledger_append(
        card=card,
        kind=EventKind.REFERRAL_BONUS,
        delta=stamps,
        lifetime_delta=stamps,
        actor=actor,
        referral_id=str(referral.pk),
        role=role,
    )


@transaction.atomic
def referral_flag_review(*, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """Mark a flagged referral reviewed (manager or owner); reviewing twice keeps the first review."""
    ensure_role(actor=actor, minimum=Role.MANAGER)
    referral = Referral.objects.select_for_update().filter(merchant=actor.merchant, pk=referral_id).first()
    if referral is None or not referral.flagged:
        raise NotFound(code="referral_not_found")
    if referral.reviewed_at is None:
        referral.reviewed_at, referral.reviewed_by = clock.now(), actor.user
        referral.save(update_fields=["reviewed_at", "reviewed_by"])
    return referral
