"""checkout_commit(fixed_stamps=...): a check with no amount to go by stamps a given count, once."""

import pytest

from stampcard.cards.models import EarningRule
from stampcard.checkouts.services import checkout_commit
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_fixed_stamps_replace_the_earning_rule(cashier, merchant):
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=10000)
    card = CardFactory(program=program)

    result = checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check(total=0), fixed_stamps=3)

    assert result.stamps_issued == 3 and result.check.stamps_issued == 3 and result.check.total == 0
    assert reload(card).stamps == ledger_sum(card) == 3


def test_a_replay_with_fixed_stamps_returns_the_first_outcome(cashier, card):
    check = a_check(total=0)
    checkout_commit(actor=cashier.actor(), card_ref=card.number, check=check, fixed_stamps=2)

    replay = checkout_commit(actor=cashier.actor(), card_ref=card.number, check=check, fixed_stamps=2)

    assert replay.replayed is True and replay.stamps_issued == 2
    assert reload(card).stamps == 2


def test_without_fixed_stamps_the_earning_rule_applies_as_before(cashier, merchant):
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=10000)
    card = CardFactory(program=program)

    assert checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check(total=25000)).stamps_issued == 2


@pytest.mark.parametrize("fixed", [-1, 1001])
def test_fixed_stamps_out_of_range_are_a_programming_error(cashier, card, fixed):
    with pytest.raises(ValueError):
        checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check(), fixed_stamps=fixed)
    assert reload(card).stamps == 0
