"""``cards.services.checkout_amend`` (added for Poster's paid-sum reconciliation): a committed check's total is
corrected and the card moves by the stamps the new total earns more or less."""

import pytest

from stampcard.cards.models import Card, CardEvent, Check, EarningRule, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.rewards.models import Reward, RewardState
from tests.cards.helpers import a_check, ledger_sum
from tests.factories import CardFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_amount_card(merchant):
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000, goal=8)
    return CardFactory(program=program)


def commit(staff, card, total, external_id="P-1"):
    return checkouts_services.checkout_commit(
        actor=staff.actor(), card_ref=card.number, check=a_check(total=total, external_id=external_id)
    )


def amend(staff, total, external_id="P-1"):
    return checkouts_services.checkout_amend(actor=staff.actor(), external_id=external_id, total=total)


def stamps(card) -> int:
    return Card.objects.get(pk=card.pk).stamps


def test_a_higher_total_adds_the_stamps_it_earns(cashier, per_amount_card):
    commit(cashier, per_amount_card, 5500)
    result = amend(cashier, 17550)
    assert (result.changed, result.total_before, result.stamps_delta) == (True, 5500, 2)
    check = Check.objects.get()
    assert (check.total, check.stamps_issued) == (17550, 3)
    assert stamps(per_amount_card) == 3 and ledger_sum(per_amount_card) == 3
    added = CardEvent.objects.filter(kind=EventKind.STAMP).order_by("pk").last()
    assert added.check_ref == check and added.delta == 2 and added.payload["amended_from"] == 5500


def test_a_lower_total_takes_the_extra_stamps_back(cashier, per_amount_card):
    commit(cashier, per_amount_card, 17550)
    result = amend(cashier, 5500)
    assert (result.stamps_delta, result.stamps_not_reversed) == (-2, 0)
    assert Check.objects.get().stamps_issued == 1
    assert stamps(per_amount_card) == 1 and ledger_sum(per_amount_card) == 1
    taken = CardEvent.objects.get(kind=EventKind.REVERSAL)
    assert taken.payload["reversal_kind"] == "amend"


def test_the_same_total_or_a_reversed_check_changes_nothing(cashier, per_amount_card):
    commit(cashier, per_amount_card, 5500)
    assert amend(cashier, 5500).changed is False
    checkouts_services.checkout_reverse(actor=cashier.actor(), external_id="P-1")
    assert amend(cashier, 50000).changed is False
    assert stamps(per_amount_card) == 0 and Check.objects.get().total == 5500


def test_per_receipt_checks_keep_their_stamp_and_take_the_true_total(cashier, card):
    commit(cashier, card, 5500)
    result = amend(cashier, 9900)
    assert result.changed and result.stamps_delta == 0
    assert Check.objects.get().total == 9900 and stamps(card) == 1


def test_a_reversal_after_an_amendment_takes_back_what_the_check_holds(cashier, per_amount_card):
    commit(cashier, per_amount_card, 5500)
    amend(cashier, 17550)
    reversed_ = checkouts_services.checkout_reverse(actor=cashier.actor(), external_id="P-1")
    assert reversed_.stamps_reversed == 3
    assert stamps(per_amount_card) == 0 and ledger_sum(per_amount_card) == 0


def test_reaching_the_goal_through_an_amendment_issues_the_reward(cashier, per_amount_card):
    commit(cashier, per_amount_card, 30000, external_id="P-0")  # 6 stamps
    commit(cashier, per_amount_card, 5000)  # 7
    result = amend(cashier, 10000)  # +1 = 8: the goal
    assert [r.kind for r in result.rewards] == ["award"]
    assert Reward.objects.filter(card=per_amount_card, state=RewardState.READY).count() == 1


def test_taking_back_stamps_a_reward_consumed_withdraws_the_unused_reward(cashier, per_amount_card):
    commit(cashier, per_amount_card, 40000)  # 8 stamps: the goal, the card resets to 0
    assert stamps(per_amount_card) == 0
    result = amend(cashier, 35000)  # 7 stamps after all
    assert len(result.rewards_withdrawn) == 1
    assert Reward.objects.get(card=per_amount_card).withdrawn_at is not None
    assert stamps(per_amount_card) == 7 and result.stamps_delta == -1
    assert ledger_sum(per_amount_card) == stamps(per_amount_card)


def test_a_negative_total_or_an_unknown_check_is_refused(cashier, per_amount_card):
    with pytest.raises(NotFound):
        amend(cashier, 100, external_id="nope")
    commit(cashier, per_amount_card, 5500)
    with pytest.raises(ValidationFailed):
        amend(cashier, -1)
