import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.services import checkout_commit, checkout_reverse
from stampcard.core.errors import NotFound
from stampcard.rewards import errors
from stampcard.rewards.models import RewardState
from stampcard.rewards.services import reward_hand_over
from tests.cards.helpers import a_check
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory


@pytest.fixture
def ready_reward(cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=1))
    return checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check(external_id="P-1")).rewards[0]


def test_handing_over_a_ready_reward_records_who_and_when(cashier, ready_reward):
    reward = reward_hand_over(actor=cashier.actor(), reward_id=ready_reward.pk)

    assert reward.state == RewardState.HANDED_OVER
    assert reward.handed_over_by == cashier.membership.user and reward.handed_over_at is not None
    event = CardEvent.objects.filter(kind=EventKind.REWARD_HANDED_OVER).get()
    assert event.delta == 0 and event.location == cashier.location


def test_a_reward_is_handed_over_once(cashier, ready_reward):
    reward_hand_over(actor=cashier.actor(), reward_id=ready_reward.pk)
    with pytest.raises(errors.RewardAlreadyHandedOver):
        reward_hand_over(actor=cashier.actor(), reward_id=ready_reward.pk)


def test_a_withdrawn_reward_cannot_be_handed_over(cashier, ready_reward):
    checkout_reverse(actor=cashier.actor(), external_id="P-1")
    assert reload(ready_reward).state == RewardState.WITHDRAWN
    with pytest.raises(errors.RewardWithdrawn):
        reward_hand_over(actor=cashier.actor(), reward_id=ready_reward.pk)


def test_another_merchants_reward_is_not_found(ready_reward):
    stranger = make_staff(MerchantFactory(), "cashier")
    with pytest.raises(NotFound):
        reward_hand_over(actor=stranger.actor(), reward_id=ready_reward.pk)
    with pytest.raises(NotFound):
        reward_hand_over(actor=stranger.actor(), reward_id="not-a-uuid")
