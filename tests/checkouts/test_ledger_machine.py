"""The card's stamp count equals the ledger sum at every moment, whatever happens to it.

A hypothesis state machine drives one card through random commits, reversals, adjustments and hand-overs and
checks the invariants after every step against an independent model of what the card should hold.
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from stampcard.cards import errors
from stampcard.cards.models import Card, CardEvent, Check, CheckState, EarningRule
from stampcard.checkouts.services import card_adjust, checkout_commit, checkout_reverse
from stampcard.merchants.models import Role
from stampcard.rewards.models import Reward, RewardState
from stampcard.rewards.services import reward_hand_over
from tests.cards.helpers import a_check
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory, SubscriptionFactory


class CardLedgerMachine(RuleBasedStateMachine):
    @initialize(goal=st.integers(1, 6), cap=st.none() | st.integers(1, 5))
    def open_card(self, goal, cap):
        merchant = MerchantFactory(subscription=None)
        SubscriptionFactory(merchant=merchant, plan="paid", interval="month", locations_paid=1)
        self.program = ProgramFactory(
            merchant=merchant,
            goal=goal,
            earning_rule=EarningRule.PER_AMOUNT,
            amount_per_stamp=100,
            max_stamps_per_check=cap,
        )
        self.card = CardFactory(program=self.program)
        self.manager = make_staff(merchant, Role.MANAGER)
        self.committed: list[str] = []
        self.next_id = 0
        # An independent model of the card: what its balance must be after each step.
        self.expected_stamps = 0
        self.issued_by_check: dict[str, int] = {}
        self.reversed: set[str] = set()

    @property
    def actor(self):
        return self.manager.actor()

    @rule(total=st.integers(0, 800))
    def commit(self, total):
        self.next_id += 1
        external_id = f"P-{self.next_id}"
        checkout_commit(
            actor=self.actor, card_ref=self.card.number, check=a_check(total=total, external_id=external_id)
        )
        self.committed.append(external_id)
        earned = (
            total // 100
            if self.program.max_stamps_per_check is None
            else min(total // 100, self.program.max_stamps_per_check)
        )
        self.issued_by_check[external_id] = earned
        self.expected_stamps = (self.expected_stamps + earned) % self.program.goal

    @precondition(lambda self: self.committed)
    @rule(data=st.data())
    def recommit(self, data):
        external_id = data.draw(st.sampled_from(self.committed))
        before = Card.objects.get(pk=self.card.pk).stamps
        result = checkout_commit(
            actor=self.actor, card_ref=self.card.number, check=a_check(total=700, external_id=external_id)
        )
        assert result.replayed
        assert Card.objects.get(pk=self.card.pk).stamps == before

    @precondition(lambda self: self.committed)
    @rule(data=st.data())
    def reverse(self, data):
        external_id = data.draw(st.sampled_from(self.committed))
        ready = Reward.objects.filter(card=self.card, state=RewardState.READY).count()
        result = checkout_reverse(actor=self.actor, external_id=external_id)
        if external_id in self.reversed:
            assert result.replayed
            return
        self.reversed.add(external_id)
        # Just enough ready rewards come back to cover the check's stamps; then they are removed, down to zero.
        needed = self.issued_by_check[external_id]
        withdrawn = 0
        while self.expected_stamps + withdrawn * self.program.goal < needed and withdrawn < ready:
            withdrawn += 1
        restored = self.expected_stamps + withdrawn * self.program.goal
        removed = min(needed, restored)
        assert (result.stamps_reversed, len(result.rewards_withdrawn)) == (removed, withdrawn)
        self.expected_stamps = restored - removed

    @rule(delta=st.integers(-5, 8).filter(bool))
    def adjust(self, delta):
        try:
            card_adjust(actor=self.actor, card_ref=self.card.number, delta=delta, reason="stock-take")
        except errors.InsufficientStamps:
            assert self.expected_stamps + delta < 0
        else:
            assert self.expected_stamps + delta >= 0
            self.expected_stamps = (self.expected_stamps + delta) % self.program.goal

    @rule(data=st.data())
    def hand_over(self, data):
        ready = list(Reward.objects.filter(card=self.card, state=RewardState.READY).values_list("pk", flat=True))
        if ready:
            reward_hand_over(actor=self.actor, reward_id=data.draw(st.sampled_from(ready)))

    @invariant()
    def stamps_equal_the_ledger_sum(self):
        card = Card.objects.get(pk=self.card.pk)
        events = CardEvent.objects.filter(card=card).order_by("pk")
        assert card.stamps == sum(e.delta for e in events) == self.expected_stamps
        assert 0 <= card.stamps < self.program.goal  # every full goal became a reward at once
        running = 0
        for event in events:
            running += event.delta
            assert event.stamps_after == running >= 0

    @invariant()
    def rewards_and_checks_agree_with_the_ledger(self):
        card = Card.objects.get(pk=self.card.pk)
        rewards = Reward.objects.filter(card=card)
        live = rewards.exclude(state=RewardState.WITHDRAWN).count()
        assert card.rewards_earned == live
        issued = CardEvent.objects.filter(card=card, kind="reward_issued").count()
        withdrawn = CardEvent.objects.filter(card=card, kind="reward_withdrawn").count()
        assert issued - withdrawn == live
        checks = Check.objects.filter(card=card)
        assert checks.count() == len(set(self.committed))
        for check in checks.filter(state=CheckState.REVERSED):
            assert check.stamps_reversed <= check.stamps_issued


@pytest.mark.django_db
def test_card_stamps_equal_the_ledger_sum_under_random_operations():
    run_state_machine_as_test(
        CardLedgerMachine,
        settings=settings(
            max_examples=50,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
