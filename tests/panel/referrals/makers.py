"""Referrals refused as abuse (``referrals.Referral`` with ``flagged``) for the panel's URL walk and referral tests."""

from stampcard.core import clock
from stampcard.referrals.models import Referral, ReferralMode, ReferralState, RefusalReason
from tests.factories import CardFactory, CustomerFactory
from tests.panel.objects import Shop, object_maker


def referral_flag_create(shop: Shop, *, refusal: RefusalReason = RefusalReason.DEVICE_FARM) -> Referral:
    """A friend of the shop's card, refused and flagged for ``refusal``."""
    friend = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant, name="Friend"))
    return Referral.objects.create(
        merchant=shop.merchant,
        program=shop.program,
        referrer_card=shop.card,
        friend_card=friend,
        friend_customer=friend.customer,
        state=ReferralState.REFUSED,
        refusal=refusal,
        flagged=True,
        mode=ReferralMode.BOTH,
    )


def referral_held_create(shop: Shop) -> Referral:
    """A friend of the shop's card whose first paid visit qualified the referral while the plan's cap held back the
    reward."""
    friend = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant, name="Held friend"))
    return Referral.objects.create(
        merchant=shop.merchant,
        program=shop.program,
        referrer_card=shop.card,
        friend_card=friend,
        friend_customer=friend.customer,
        state=ReferralState.QUALIFIED,
        qualified_at=clock.now(),
        mode=ReferralMode.BOTH,
    )


@object_maker("referral_id")
def _referral_flag(shop: Shop) -> object:
    return referral_flag_create(shop).pk
