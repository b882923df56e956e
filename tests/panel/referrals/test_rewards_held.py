"""A referral reward the plan's monthly cap held back: the friend's stamp still lands, the referral waits as
qualified, the panel lists it under Suspicious activity, and a manager gives it once the cap allows, once."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.services import checkout_commit
from stampcard.merchants.metering import current_period
from stampcard.merchants.models import Role, UsageCounter
from stampcard.merchants.plans import limits_for
from stampcard.referrals.models import Referral, ReferralMode, ReferralRewardKind, ReferralState
from stampcard.vouchers.models import Voucher
from tests.cards.helpers import a_check
from tests.conftest import reload
from tests.public.conftest import stub_wallet_links  # noqa: F401 - autouse: the web card's wallet links
from tests.referrals.conftest import a_phone, join_through, referrals_on

pytestmark = pytest.mark.django_db


def cap_nearly_spent(merchant, left: int) -> UsageCounter:
    limit = limits_for(merchant.subscription).monthly_operations
    return UsageCounter.objects.create(
        merchant=merchant, period=current_period(merchant=merchant), operations=limit - left
    )


@pytest.fixture
def held(shop):
    """A friend of the shop's card who made a first paid visit when one operation was left this month."""
    referrals_on(shop.program, mode=ReferralMode.FRIEND, reward_kind=ReferralRewardKind.VOUCHER, voucher_title="Cake")
    friend = join_through(a_phone(), shop.card, name="Taras")
    counter = cap_nearly_spent(shop.merchant, left=1)
    cashier = shop.staff[Role.CASHIER]
    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check(external_id="F-1"))
    return Referral.objects.get(friend_card=friend), counter


def test_the_last_operation_of_the_month_goes_to_the_stamp_not_the_voucher(held):
    referral, _counter = held
    assert referral.state == ReferralState.QUALIFIED and referral.rewarded_at is None
    assert reload(referral.friend_card).stamps == 1
    assert not Voucher.objects.filter(card=referral.friend_card).exists()


def test_a_held_reward_is_listed_and_refused_again_while_the_cap_is_spent(held, manager_client):
    referral, _counter = held
    html = manager_client.get("/panel/alerts/").content.decode()
    assert f'data-testid="referral-reward-held" data-referral="{referral.pk}"' in html

    response = manager_client.post(f"/panel/alerts/referrals/{referral.pk}/reward/", follow=True)

    assert "monthly" in response.content.decode().lower()  # the cap's own message
    assert reload(referral).state == ReferralState.QUALIFIED
    assert not Voucher.objects.filter(card=referral.friend_card).exists()


def test_a_manager_gives_the_held_reward_once_when_the_cap_allows(held, manager_client):
    referral, counter = held
    counter.delete()  # a new month

    first = manager_client.post(f"/panel/alerts/referrals/{referral.pk}/reward/", follow=True)
    second = manager_client.post(f"/panel/alerts/referrals/{referral.pk}/reward/", follow=True)

    assert "The referral reward is given." in first.content.decode()
    assert "no longer waiting" in second.content.decode()
    assert reload(referral).state == ReferralState.REWARDED
    assert list(Voucher.objects.filter(card=referral.friend_card).values_list("title", flat=True)) == ["Cake"]
    assert 'data-testid="referral-reward-held"' not in manager_client.get("/panel/alerts/").content.decode()


def test_held_stamps_reach_the_goal_and_issue_its_reward(shop, manager_client):
    """Stamps given by hand count towards the goal as at the visit: the layer above issues the reward they reach."""
    referrals_on(shop.program, mode=ReferralMode.REFERRER, reward_stamps=shop.program.goal)
    friend = join_through(a_phone(), shop.card, name="Olha")
    referral = Referral.objects.get(friend_card=friend)
    Referral.objects.filter(pk=referral.pk).update(state=ReferralState.QUALIFIED)  # as a held reward leaves it

    manager_client.post(f"/panel/alerts/referrals/{referral.pk}/reward/")

    assert CardEvent.objects.filter(card=shop.card, kind=EventKind.REFERRAL_BONUS).count() == 1
    assert reload(shop.card).rewards.count() == 1


def test_cashiers_cannot_give_a_held_reward(held, cashier_client):
    referral, counter = held
    counter.delete()
    response = cashier_client.post(f"/panel/alerts/referrals/{referral.pk}/reward/")
    assert response.status_code in (302, 403, 404)
    assert reload(referral).state == ReferralState.QUALIFIED
