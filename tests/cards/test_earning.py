import pytest
from hypothesis import given
from hypothesis import strategies as st

from stampcard.cards.earning import rewards_reached, stamps_for_check
from stampcard.cards.models import EarningRule, Program


def program(**fields) -> Program:
    defaults = {"goal": 8, "earning_rule": EarningRule.PER_RECEIPT, "stamps_per_receipt": 1, "min_check_total": 0}
    return Program(**{**defaults, **fields})


def test_per_receipt_gives_the_configured_stamps_whatever_the_total():
    assert stamps_for_check(program=program(), total=1) == 1
    assert stamps_for_check(program=program(stamps_per_receipt=2), total=999_999) == 2


def test_checks_below_the_minimum_earn_nothing():
    p = program(min_check_total=5000)
    assert stamps_for_check(program=p, total=4999) == 0
    assert stamps_for_check(program=p, total=5000) == 1


def test_per_amount_gives_one_stamp_per_full_unit():
    p = program(earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=10000)
    assert stamps_for_check(program=p, total=9999) == 0
    assert stamps_for_check(program=p, total=10000) == 1
    assert stamps_for_check(program=p, total=35050) == 3


def test_the_cap_per_check_limits_per_amount_stamps():
    p = program(earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=100, max_stamps_per_check=5)
    assert stamps_for_check(program=p, total=100_000) == 5


def test_negative_totals_are_refused():
    with pytest.raises(ValueError):
        stamps_for_check(program=program(), total=-1)


@given(total=st.integers(0, 10**9), unit=st.integers(1, 10**6), cap=st.none() | st.integers(0, 50))
def test_per_amount_never_exceeds_the_cap_or_the_amount(total, unit, cap):
    p = program(earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=unit, max_stamps_per_check=cap)
    stamps = stamps_for_check(program=p, total=total)
    assert 0 <= stamps <= total // unit
    if cap is not None:
        assert stamps <= cap


@given(stamps=st.integers(0, 10_000), goal=st.integers(1, 100))
def test_rewards_reached_carries_the_surplus_over(stamps, goal):
    reached, carry = rewards_reached(stamps=stamps, goal=goal)
    assert reached * goal + carry == stamps
    assert 0 <= carry < goal
