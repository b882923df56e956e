"""The ledger invariants hold for programs with several milestones too, whatever happens to the card."""

import contextlib

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
from stampcard.cards.milestones import milestones_crossed
from stampcard.cards.models import Card, CardEvent, EarningRule
from stampcard.checkouts.services import card_adjust, checkout_commit, checkout_reverse
from stampcard.merchants.models import Role
from stampcard.rewards.models import Reward, RewardState
from stampcard.rewards.services import reward_hand_over
from tests.cards.helpers import a_check
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory, SubscriptionFactory


class MilestoneLedgerMachine(RuleBasedStateMachine):
    @initialize(ats=st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True))
    def open_card(self, ats):
        merchant = MerchantFactory(subscription=None)
        SubscriptionFactory(merchant=merchant, plan="paid", interval="month", locations_paid=1)
        self.milestones = [{"at": at, "kind": "award", "title": f"at {at}"} for at in sorted(ats)]
        program = ProgramFactory(
            merchant=merchant,
            goal=self.milestones[-1]["at"],
            milestones=self.milestones,
            earning_rule=EarningRule.PER_AMOUNT,
            amount_per_stamp=100,
        )
        self.card = CardFactory(program=program)
        self.manager = make_staff(merchant, Role.MANAGER)
        self.committed: list[str] = []

    @rule(total=st.integers(0, 1500))
    def commit(self, total):
        external_id = f"P-{len(self.committed) + 1}"
        checkout_commit(
            actor=self.manager.actor(), card_ref=self.card.number, check=a_check(total=total, external_id=external_id)
        )
        self.committed.append(external_id)

    @precondition(lambda self: self.committed)
    @rule(data=st.data())
    def reverse(self, data):
        result = checkout_reverse(actor=self.manager.actor(), external_id=data.draw(st.sampled_from(self.committed)))
        assert result.stamps_reversed + result.stamps_not_reversed == result.check.stamps_issued

    @rule(delta=st.integers(-5, 8).filter(bool))
    def adjust(self, delta):
        with contextlib.suppress(errors.InsufficientStamps):
            card_adjust(actor=self.manager.actor(), card_ref=self.card.number, delta=delta, reason="stock-take")

    @rule(data=st.data())
    def hand_over(self, data):
        ready = list(Reward.objects.filter(card=self.card, state=RewardState.READY).values_list("pk", flat=True))
        if ready:
            reward_hand_over(actor=self.manager.actor(), reward_id=data.draw(st.sampled_from(ready)))

    @invariant()
    def stamps_equal_the_ledger_sum_and_nothing_is_left_unrewarded(self):
        card = Card.objects.get(pk=self.card.pk)
        events = CardEvent.objects.filter(card=card).order_by("pk")
        assert card.stamps == sum(e.delta for e in events)
        running = 0
        for event in events:
            running += event.delta
            assert event.stamps_after == running >= 0
        assert 0 <= card.stamps < self.milestones[-1]["at"]
        assert card.milestones_reached < len(self.milestones)
        assert milestones_crossed(stamps=card.stamps, reached=card.milestones_reached, milestones=self.milestones) == []

    @invariant()
    def rounds_and_rewards_agree_with_the_ledger(self):
        card = Card.objects.get(pk=self.card.pk)
        live = Reward.objects.filter(card=card).exclude(state=RewardState.WITHDRAWN)
        assert card.rewards_earned == live.count()
        assert card.cycle == live.filter(stamps_spent__gt=0).count()  # each live final closed one round
        issued = CardEvent.objects.filter(card=card, kind="reward_issued").count()
        withdrawn = CardEvent.objects.filter(card=card, kind="reward_withdrawn").count()
        assert issued - withdrawn == live.count()


@pytest.mark.django_db
def test_milestone_cards_keep_their_invariants_under_random_operations():
    run_state_machine_as_test(
        MilestoneLedgerMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
