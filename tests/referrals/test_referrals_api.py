"""API v1 for the referrals waiting for a manager: the list (refused as abuse, to review; rewards the plan's cap held
back), marking one reviewed, giving a held reward once. Managers who see the whole business only."""

import pytest

from stampcard.merchants.metering import current_period
from stampcard.merchants.models import Role, UsageCounter
from stampcard.merchants.plans import limits_for
from stampcard.referrals.models import Referral, ReferralMode, ReferralRewardKind, ReferralState, RefusalReason
from stampcard.vouchers.models import Voucher
from tests.api.helpers import error_of, get, post
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, CustomerFactory, LocationFactory, MerchantFactory, ProgramFactory
from tests.referrals.conftest import referrals_on

pytestmark = pytest.mark.django_db


def a_referral(program, referrer, **fields) -> Referral:
    friend = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant))
    return Referral.objects.create(
        merchant=program.merchant,
        program=program,
        referrer_card=referrer,
        friend_card=friend,
        friend_customer=friend.customer,
        mode=ReferralMode.BOTH,
        **fields,
    )


@pytest.fixture
def waiting(program, referrer):
    referrals_on(program, reward_kind=ReferralRewardKind.VOUCHER, voucher_title="Cake")
    flagged = a_referral(program, referrer, state=ReferralState.REFUSED, refusal=RefusalReason.IP_FARM, flagged=True)
    held = a_referral(program, referrer, state=ReferralState.QUALIFIED)
    a_referral(program, referrer, state=ReferralState.REWARDED)  # settled: waits for nobody
    other = ProgramFactory(merchant=MerchantFactory())
    a_referral(other, CardFactory(program=other), state=ReferralState.QUALIFIED)  # another merchant's
    return flagged, held


def test_a_manager_lists_what_waits_for_review_and_for_a_reward(manager, waiting, referrer):
    flagged, held = waiting

    review = get(manager.client(), "/referrals").json()["results"]
    reward = get(manager.client(), "/referrals", waiting="reward").json()["results"]

    assert [r["id"] for r in review] == [str(flagged.pk)] and review[0]["refusal"] == "ip_farm"
    assert [r["id"] for r in reward] == [str(held.pk)]
    assert reward[0]["referrer_card"] == referrer.number and reward[0]["state"] == "qualified"


def test_giving_a_held_reward_grants_it_once(manager, waiting, merchant):
    _flagged, held = waiting

    first = post(manager.client(), f"/referrals/{held.pk}/reward")
    again = post(manager.client(), f"/referrals/{held.pk}/reward")

    assert first.status_code == 200 and first.json()["state"] == "rewarded"
    assert error_of(again, 404)["code"] == "referral_reward_not_held"
    assert Voucher.objects.filter(title="Cake").count() == 2  # the friend's and the referrer's
    assert reload(held).state == ReferralState.REWARDED


def test_while_the_cap_is_spent_the_reward_is_refused_with_429_and_still_waits(manager, waiting, merchant):
    _flagged, held = waiting
    limit = limits_for(merchant.subscription).monthly_operations
    UsageCounter.objects.create(merchant=merchant, period=current_period(merchant=merchant), operations=limit)

    assert error_of(post(manager.client(), f"/referrals/{held.pk}/reward"), 429)["code"] == "plan_limit_reached"
    assert reload(held).state == ReferralState.QUALIFIED and not Voucher.objects.exists()


def test_reviewing_marks_it_reviewed_and_it_leaves_the_list(manager, waiting):
    flagged, _held = waiting
    response = post(manager.client(), f"/referrals/{flagged.pk}/review")
    assert response.status_code == 200 and response.json()["reviewed_at"] is not None
    assert get(manager.client(), "/referrals").json()["results"] == []


def test_cashiers_and_staff_limited_to_locations_are_refused(cashier, merchant, waiting):
    _flagged, held = waiting
    limited = make_staff(merchant, Role.MANAGER)
    limited.membership.locations.add(LocationFactory(merchant=merchant))

    assert error_of(get(cashier.client(), "/referrals"), 403)["code"]
    assert error_of(post(limited.client(), f"/referrals/{held.pk}/reward"), 403)["code"] == "whole_business_only"
    assert error_of(get(limited.client(), "/referrals", waiting="reward"), 403)["code"] == "whole_business_only"
    assert reload(held).state == ReferralState.QUALIFIED


def test_another_merchants_referral_is_not_found(manager):
    other = ProgramFactory(merchant=MerchantFactory())
    theirs = a_referral(other, CardFactory(program=other), state=ReferralState.QUALIFIED)
    assert error_of(post(manager.client(), f"/referrals/{theirs.pk}/reward"), 404)["code"] == "referral_reward_not_held"
    assert reload(theirs).state == ReferralState.QUALIFIED
