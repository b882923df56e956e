"""Referrals refused as abuse (``referrals.Referral`` with ``flagged``) for the panel's URL walk and referral tests."""

from stampcard.core import clock
from stampcard.referrals.models import Referral, ReferralMode, ReferralState, RefusalReason
from tests.factories import CardFactory, CustomerFactory
from tests.panel.objects import Shop, object_maker


def _friend_referral(shop: Shop, *, name: str, **fields: object) -> Referral:
    friend = CardFactory(program=shop.program, customer=CustomerFactory(merchant=shop.merchant, name=name))
    return Referral.objects.create(
        merchant=shop.merchant,
        program=shop.program,
        referrer_card=shop.card,
        friend_card=friend,
        friend_customer=friend.customer,
        mode=ReferralMode.BOTH,
        **fields,
    )


def referral_flag_create(shop: Shop, *, refusal: RefusalReason = RefusalReason.DEVICE_FARM) -> Referral:
    """A friend of the shop's card, refused and flagged for ``refusal``."""
    return _friend_referral(shop, name="Friend", state=ReferralState.REFUSED, refusal=refusal, flagged=True)


def referral_held_create(shop: Shop) -> Referral:
    """A friend of the shop's card whose first paid visit qualified the referral while the plan's cap held back the
    reward."""
    return _friend_referral(shop, name="Held friend", state=ReferralState.QUALIFIED, qualified_at=clock.now())


@object_maker("referral_id")
def _referral_flag(shop: Shop) -> object:
    return referral_flag_create(shop).pk
