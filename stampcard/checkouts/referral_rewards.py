"""A referral reward given after the friend's visit: the panel's "Give the reward" for one that the plan's monthly
cap held back. The referral service grants it under the cards' locks; this layer then issues the rewards the bonus
stamps reach, as ``checkout_commit`` does at the visit itself."""

import uuid

from django.db import transaction

from stampcard.checkouts import rewards as checkouts_rewards
from stampcard.merchants.actors import Actor
from stampcard.referrals import services as referrals_services


@transaction.atomic
def referral_reward_give(*, actor: Actor, referral_id: uuid.UUID) -> None:
    for card in referrals_services.referral_reward_give(actor=actor, referral_id=referral_id):
        checkouts_rewards.rewards_issue_reached(card=card, actor=actor)
