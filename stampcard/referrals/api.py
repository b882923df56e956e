"""API v1 route of referrals: a card's personal link and what its invitations came to. Mounted in ``config.api``."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from stampcard.api.common import ERRORS, actor_of, lookup_guard
from stampcard.cards import selectors as cards_selectors
from stampcard.referrals import codes, schemas, selectors
from stampcard.referrals.models import ReferralRewardKind

router = Router(tags=["referrals"])


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
