"""Referral reads: a program's setting, what a card's referral block shows, the merchant's flagged referrals."""

import uuid
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stampcard.cards.models import Card, Program
from stampcard.merchants.models import Merchant
from stampcard.referrals.models import (
    Referral,
    ReferralMode,
    ReferralRewardKind,
    ReferralSettings,
    ReferralState,
)


def referral_settings_of(*, program: Program) -> ReferralSettings:
    """The program's setting; an unsaved "off" one when it has none."""
    found = ReferralSettings.objects.filter(program_id=program.pk).first()
    return found if found is not None else ReferralSettings(program=program, mode=ReferralMode.OFF)


def reward_text(settings: ReferralSettings) -> str:
    """The reward in the customer's words: "2 bonus stamps" or "the voucher “Free coffee”"."""
    if settings.reward_kind == ReferralRewardKind.VOUCHER:
        return _("the voucher “%(title)s”") % {"title": settings.voucher_title}
    n = settings.reward_stamps
    return ngettext("%(n)d bonus stamp", "%(n)d bonus stamps", n) % {"n": n}


def invitation_text(settings: ReferralSettings) -> str:
    """What the web card says its link does, by who gets the reward."""
    reward = reward_text(settings)
    if settings.mode == ReferralMode.BOTH:
        text = _("When a friend joins with your link and makes a first purchase, you both get %(reward)s.")
    elif settings.mode == ReferralMode.REFERRER:
        text = _("When a friend joins with your link and makes a first purchase, you get %(reward)s.")
    else:
        text = _("When a friend joins with your link and makes a first purchase, your friend gets %(reward)s.")
    return text % {"reward": reward}


def welcome_text(settings: ReferralSettings) -> str:
    """What the join page says to a friend who came through a link."""
    if settings.mode in (ReferralMode.FRIEND, ReferralMode.BOTH):
        return _("A friend invited you. Make your first purchase to get %(reward)s.") % {
            "reward": reward_text(settings)
        }
    return _("A friend invited you.")


@dataclass(frozen=True)
class CardReferrals:
    joined: int  # still waiting for the friend's first visit
    rewarded: int
    refused: int


def card_referral_counts(*, card: Card) -> CardReferrals:
    counts = dict(
        Referral.objects.filter(referrer_card=card)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return CardReferrals(
        joined=counts.get(ReferralState.JOINED, 0) + counts.get(ReferralState.QUALIFIED, 0),
        rewarded=counts.get(ReferralState.REWARDED, 0),
        refused=counts.get(ReferralState.REFUSED, 0),
    )


def referral_flags_open(*, merchant: Merchant) -> "QuerySet[Referral]":
    """Referrals refused as abuse and not reviewed yet, newest first, with the cards the panel shows."""
    return (
        Referral.objects.filter(merchant=merchant, flagged=True, reviewed_at__isnull=True)
        .select_related("referrer_card__customer", "friend_card__customer", "program")
        .order_by("-created_at", "pk")
    )


def referral_rewards_held(*, merchant: Merchant) -> "QuerySet[Referral]":
    """Referrals whose friend made the first paid visit but whose reward was held back (the plan's monthly cap
    refused it), oldest first: the panel offers to give them now."""
    return (
        Referral.objects.filter(merchant=merchant, state=ReferralState.QUALIFIED)
        .select_related("referrer_card__customer", "friend_card__customer", "program")
        .order_by("qualified_at", "pk")
    )


def referral_exists(*, merchant: Merchant, referral_id: uuid.UUID) -> bool:
    """Whether ``referral_id`` is one of the merchant's referrals (another merchant's is as missing as none)."""
    return Referral.objects.filter(merchant=merchant, pk=referral_id).exists()
