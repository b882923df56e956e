"""API v1 routes of referrals: a card's personal link and what its invitations came to; for managers who see the whole
business, the referrals waiting for them (refused as abuse, to review; rewards the plan's cap held back, given by
``POST /referrals/{id}/reward`` in ``checkouts.referral_rewards_api``). Mounted in ``config.api``."""

import uuid
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from stampcard.api.common import ERRORS, actor_of, lookup_guard, manager_of
from stampcard.api.idempotency import idempotent_write
from stampcard.cards import selectors as cards_selectors
from stampcard.core.errors import PermissionDenied
from stampcard.merchants.actors import Actor
from stampcard.merchants.selectors import membership_location_ids
from stampcard.referrals import codes, presenters, schemas, selectors, services
from stampcard.referrals.models import ReferralRewardKind

router = Router(tags=["referrals"])

PAGE = 200  # waiting referrals listed at once, oldest first: a list a person works through, not an export


@router.get(
    "/cards/{number}/referral", response={200: schemas.CardReferralOut, **ERRORS}, summary="A card's referral link"
)
def get_card_referral(request: HttpRequest, number: str) -> dict[str, Any]:
    """The card's personal invitation link (made on first use) while the program's referrals are on, and how many
    friends joined through it: waiting for their first visit, rewarded, refused. A 404 counts as a lookup miss."""
    with lookup_guard(request):
        card = cards_selectors.card_get(merchant=actor_of(request).merchant, ref=number)
    settings = selectors.referral_settings_of(program=card.program)
    counts = selectors.card_referral_counts(card=card)
    voucher = settings.reward_kind == ReferralRewardKind.VOUCHER
    return {
        "enabled": settings.is_on,
        "mode": settings.mode,
        "reward_kind": settings.reward_kind,
        "reward_stamps": None if voucher else settings.reward_stamps,
        "voucher_title": settings.voucher_title if voucher else None,
        "code": codes.referral_code(card) if settings.is_on else None,
        "url": codes.referral_url(card) if settings.is_on else None,
        "referrals": counts.__dict__,
    }


def whole_merchant_manager_of(request: HttpRequest) -> Actor:
    """A manager or owner who sees the whole business: a referral belongs to no location, so staff limited to some
    locations neither list nor settle them (the panel hides them too)."""
    actor = manager_of(request)
    if membership_location_ids(membership=actor.membership) is not None:
        raise PermissionDenied(
            _("Referrals belong to no location: only staff who see the whole business can see them."),
            code="whole_business_only",
        )
    return actor


@router.get(
    "/referrals",
    response={200: schemas.ReferralsOut, **ERRORS},
    summary="Referrals waiting for a manager: refused as abuse (review) or with a reward the plan's cap held back",
)
def list_referrals(
    request: HttpRequest,
    waiting: Literal["review", "reward"] = Query(
        "review",
        description="review: refused as abuse, not reviewed; "
        "reward: qualified, the reward held back by the plan's monthly cap.",
    ),
) -> dict[str, Any]:
    actor = whole_merchant_manager_of(request)
    if waiting == "review":
        referrals = selectors.referral_flags_open(merchant=actor.merchant)
    else:
        referrals = selectors.referral_rewards_held(merchant=actor.merchant)
    return {"results": [presenters.referral_payload(r) for r in referrals[:PAGE]]}


@router.post(
    "/referrals/{referral_id}/review",
    response={200: schemas.ReferralOut, **ERRORS},
    summary="Mark a referral refused as abuse reviewed (reviewing again keeps the first review)",
)
@idempotent_write(200, schemas.ReferralOut)
def review_referral(request: HttpRequest, referral_id: uuid.UUID) -> dict[str, Any]:
    actor = whole_merchant_manager_of(request)
    return presenters.referral_payload(services.referral_flag_review(actor=actor, referral_id=referral_id))
