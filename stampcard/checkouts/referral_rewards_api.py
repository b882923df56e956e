"""API v1 route giving a referral reward the plan's monthly cap held back (``checkouts.referral_rewards``): here,
not beside the other referral routes, because giving it may issue the rewards its bonus stamps reach, which is this
layer's work. Mounted in ``config.api``."""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router

from stampcard.api.common import ERRORS
from stampcard.api.idempotency import idempotent_write
from stampcard.checkouts import referral_rewards
from stampcard.referrals import presenters, schemas
from stampcard.referrals.api import whole_merchant_manager_of
from stampcard.referrals.models import Referral

router = Router(tags=["referrals"])


@router.post(
    "/referrals/{referral_id}/reward",
    response={200: schemas.ReferralOut, **ERRORS},
    summary="Give a referral reward the plan's monthly cap held back. 404 referral_reward_not_held when it is not "
    "waiting (given already); 429 plan_limit_reached while the cap still refuses it.",
)
@idempotent_write(200, schemas.ReferralOut)
def give_referral_reward(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    actor = whole_merchant_manager_of(request)
    referral_rewards.referral_reward_give(actor=actor, referral_id=referral_id)
    return presenters.referral_payload(
        Referral.objects.select_related("referrer_card", "friend_card").get(merchant=actor.merchant, pk=referral_id)
    )
