"""Referral rewards under real concurrency: threads with their own PostgreSQL connections, released at one instant."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts import referral_rewards
from stampcard.checkouts.services import checkout_commit
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from stampcard.referrals import codes, services
from stampcard.referrals.models import Referral, ReferralMode, ReferralRewardKind, ReferralState
from stampcard.vouchers.models import Voucher
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory, SubscriptionFactory
from tests.referrals.conftest import referrals_on

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paid_cashier():
    merchant = MerchantFactory(subscription=None)
    SubscriptionFactory(merchant=merchant, plan="paid", interval="month", locations_paid=1)
    return make_staff(merchant, Role.CASHIER)


def a_friend_of(referrer):
    friend = CardFactory(program=referrer.program, customer=CustomerFactory(merchant=referrer.merchant))
    referral = services.referral_join(friend_card=friend, code=codes.referral_code(referrer))
    assert referral is not None and referral.state == ReferralState.JOINED
    return friend


def test_eight_concurrent_first_visits_of_one_friend_reward_the_referral_once(paid_cashier):
    program = ProgramFactory(merchant=paid_cashier.merchant, goal=50)
    referrals_on(program, mode=ReferralMode.BOTH, reward_stamps=3)
    referrer = CardFactory(program=program)
    friend = a_friend_of(referrer)

    outcomes = run_concurrently(
        lambda i: checkout_commit(
            actor=paid_cashier.actor(), card_ref=friend.number, check=a_check(external_id=f"F-{i}")
        ),
        n=8,
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert reload(referrer).stamps == 3 and reload(friend).stamps == 8 + 3
    assert CardEvent.objects.filter(kind=EventKind.REFERRAL_BONUS).count() == 2
    assert Referral.objects.get(friend_card=friend).state == ReferralState.REWARDED
    assert ledger_sum(reload(referrer)) == 3 and ledger_sum(reload(friend)) == 11


def test_friends_visiting_at_once_each_reward_the_same_referrer(paid_cashier):
    program = ProgramFactory(merchant=paid_cashier.merchant, goal=50)
    referrals_on(program, mode=ReferralMode.REFERRER, reward_stamps=2)
    referrer = CardFactory(program=program)
    friends = [a_friend_of(referrer) for _ in range(6)]

    outcomes = run_concurrently(
        lambda i: checkout_commit(actor=paid_cashier.actor(), card_ref=friends[i].number, check=a_check()),
        n=6,
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert reload(referrer).stamps == 12 and ledger_sum(reload(referrer)) == 12
    assert Referral.objects.filter(state=ReferralState.REWARDED).count() == 6


def test_concurrent_first_visits_give_one_voucher_each(paid_cashier):
    program = ProgramFactory(merchant=paid_cashier.merchant)
    referrals_on(program, reward_kind=ReferralRewardKind.VOUCHER, voucher_title="Free tea")
    referrer = CardFactory(program=program)
    friend = a_friend_of(referrer)

    outcomes = run_concurrently(
        lambda i: checkout_commit(
            actor=paid_cashier.actor(), card_ref=friend.number, check=a_check(external_id=f"V-{i}")
        ),
        n=6,
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert Voucher.objects.filter(card=referrer).count() == 1 and Voucher.objects.filter(card=friend).count() == 1


def test_six_managers_giving_one_held_reward_at_once_give_it_once(paid_cashier):
    program = ProgramFactory(merchant=paid_cashier.merchant, goal=50)
    referrals_on(program, mode=ReferralMode.BOTH, reward_kind=ReferralRewardKind.VOUCHER, voucher_title="Cake")
    referrer = CardFactory(program=program)
    friend = a_friend_of(referrer)
    Referral.objects.filter(friend_card=friend).update(state=ReferralState.QUALIFIED)  # as a held reward leaves it
    manager = make_staff(paid_cashier.merchant, Role.MANAGER)

    outcomes = run_concurrently(
        lambda i: referral_rewards.referral_reward_give(
            actor=manager.actor(), referral_id=Referral.objects.get(friend_card=friend).pk
        ),
        n=6,
    )

    refused = [o.error for o in outcomes if not o.ok]
    assert len(refused) == 5 and {e.code for e in refused} == {"referral_reward_not_held"}
    assert Voucher.objects.filter(card__in=[referrer, friend]).count() == 2
    assert Referral.objects.get(friend_card=friend).state == ReferralState.REWARDED
