import pytest

from stampcard.cards import errors
from stampcard.cards.models import CardEvent, Check, CheckState, EarningRule, EventKind
from stampcard.checkouts.services import card_adjust, checkout_commit, checkout_preview, checkout_reverse
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.merchants.errors import RoleForbidden
from stampcard.merchants.models import UsageCounter
from stampcard.rewards.models import Reward, RewardState
from stampcard.rewards.services import reward_hand_over
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory


def commit(staff, card, **check):
    return checkout_commit(actor=staff.actor(), card_ref=card.number, check=a_check(**check))


def test_committing_a_check_adds_its_stamps_and_records_who_where_and_how(cashier, card):
    result = commit(cashier, card, external_id="P-100")

    assert result.stamps_issued == 1 and not result.replayed
    assert reload(card).stamps == 1 and card.lifetime_stamps == 1
    event = CardEvent.objects.get(card=card)
    assert (event.kind, event.delta, event.stamps_after) == (EventKind.STAMP, 1, 1)
    assert event.actor == cashier.membership.user
    assert event.api_key == cashier.api_key
    assert event.location == cashier.location
    assert event.channel == "api"
    assert event.check_ref == Check.objects.get(external_id="P-100")


def test_the_card_can_be_named_by_its_qr_payload(cashier, card):
    checkout_commit(actor=cashier.actor(), card_ref=card.qr_payload.lower(), check=a_check())
    assert reload(card).stamps == 1


def test_committing_the_same_check_again_replays_the_first_outcome(cashier, card):
    first = commit(cashier, card, external_id="P-1")
    again = commit(cashier, card, external_id="P-1", total=99999)

    assert again.replayed and again.stamps_issued == first.stamps_issued == 1
    assert reload(card).stamps == 1
    assert Check.objects.count() == 1 and CardEvent.objects.count() == 1


def test_the_same_external_id_from_another_pos_is_another_check(cashier, card):
    commit(cashier, card, external_id="P-1", pos="poster")
    commit(cashier, card, external_id="P-1", pos="api")
    assert reload(card).stamps == 2


def test_a_check_committed_to_one_card_is_refused_for_another(cashier, card, program):
    other = CardFactory(program=program)
    commit(cashier, card, external_id="P-1")
    with pytest.raises(errors.CheckBelongsToAnotherCard):
        commit(cashier, other, external_id="P-1")
    assert reload(other).stamps == 0


def test_reaching_the_goal_issues_the_award_in_the_same_commit_and_carries_the_surplus(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=3, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=100)
    card = CardFactory(program=program)
    commit(cashier, card, total=200)  # 2 stamps

    result = commit(cashier, card, total=500)  # +5 -> 7 = two rewards, 1 carried over

    assert [r.title for r in result.rewards] == [program.reward_title] * 2
    assert reload(card).stamps == 1
    assert card.lifetime_stamps == 7 and card.rewards_earned == 2
    assert ledger_sum(card) == 1
    assert Reward.objects.filter(card=card, state=RewardState.READY).count() == 2


def test_a_check_below_the_per_amount_unit_commits_without_stamps_and_without_metering(cashier, merchant):
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=10000)
    card = CardFactory(program=program)

    result = commit(cashier, card, total=9999)

    assert result.stamps_issued == 0
    assert Check.objects.filter(card=card).count() == 1
    assert not CardEvent.objects.filter(card=card).exists()
    assert not UsageCounter.objects.filter(merchant=merchant, operations__gt=0).exists()


def test_a_check_in_another_currency_is_refused(cashier, card):
    with pytest.raises(errors.CurrencyMismatch):
        commit(cashier, card, currency="EUR")
    assert not Check.objects.exists()


def test_an_unknown_card_is_not_found(cashier, card):
    with pytest.raises(NotFound):
        checkout_commit(actor=cashier.actor(), card_ref="000000", check=a_check())


def test_preview_says_what_a_commit_would_do_and_writes_nothing(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=2)
    card = CardFactory(program=program, stamps=1)

    preview = checkout_preview(actor=cashier.actor(), card_ref=card.number, check=a_check(external_id="P-7"))

    assert preview.stamps_to_issue == 1 and not preview.already_committed
    assert [r["title"] for r in preview.rewards] == [program.reward_title]
    assert not Check.objects.exists() and not CardEvent.objects.exists()
    commit(cashier, card, external_id="P-7")
    again = checkout_preview(actor=cashier.actor(), card_ref=card.number, check=a_check(external_id="P-7"))
    assert again.already_committed and again.stamps_to_issue == 0


def test_reversing_a_check_removes_its_stamps(cashier, card):
    commit(cashier, card, external_id="P-1")
    commit(cashier, card, external_id="P-2")

    result = checkout_reverse(actor=cashier.actor(), external_id="P-1")

    assert (result.stamps_reversed, result.stamps_not_reversed) == (1, 0)
    assert reload(card).stamps == 1 and card.lifetime_stamps == 1
    check = Check.objects.get(external_id="P-1")
    assert check.state == CheckState.REVERSED and check.reversal_kind == "refund"
    assert ledger_sum(card) == 1


def test_reversing_twice_replays_and_takes_nothing_more(cashier, card):
    commit(cashier, card, external_id="P-1")
    commit(cashier, card, external_id="P-2")
    checkout_reverse(actor=cashier.actor(), external_id="P-1")

    again = checkout_reverse(actor=cashier.actor(), external_id="P-1")

    assert again.replayed and again.stamps_reversed == 1
    assert reload(card).stamps == 1


def test_reversing_withdraws_an_award_not_yet_handed_over_and_restores_the_card(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=2)
    card = CardFactory(program=program)
    commit(cashier, card, external_id="P-1")
    reached = commit(cashier, card, external_id="P-2").rewards
    assert reload(card).stamps == 0 and len(reached) == 1

    result = checkout_reverse(actor=cashier.actor(), external_id="P-2")

    assert [r.pk for r in result.rewards_withdrawn] == [reached[0].pk]
    assert result.rewards_kept == [] and result.stamps_reversed == 1
    assert reload(card).stamps == 1 and card.rewards_earned == 0
    assert Reward.objects.get(pk=reached[0].pk).state == RewardState.WITHDRAWN
    assert ledger_sum(card) == 1


def test_reversing_after_the_award_was_handed_over_never_takes_the_card_below_zero(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=2)
    card = CardFactory(program=program)
    commit(cashier, card, external_id="P-1")
    reward = commit(cashier, card, external_id="P-2").rewards[0]
    reward_hand_over(actor=cashier.actor(), reward_id=reward.pk)

    result = checkout_reverse(actor=cashier.actor(), external_id="P-2")

    assert (result.stamps_reversed, result.stamps_not_reversed) == (0, 1)
    assert [r.pk for r in result.rewards_kept] == [reward.pk]
    assert reload(card).stamps == 0
    assert Reward.objects.get(pk=reward.pk).state == RewardState.HANDED_OVER


def test_reversing_a_check_whose_stamps_a_later_reward_consumed_withdraws_that_reward(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=2)
    card = CardFactory(program=program)
    commit(cashier, card, external_id="P-1")
    reward = commit(cashier, card, external_id="P-2").rewards[0]  # P-1 + P-2 -> reward, card at 0

    result = checkout_reverse(actor=cashier.actor(), external_id="P-1")

    assert [r.pk for r in result.rewards_withdrawn] == [reward.pk]
    assert result.stamps_reversed == 1 and reload(card).stamps == 1  # only P-2's stamp is left


def test_a_reward_still_covered_by_later_stamps_stays_when_its_check_is_reversed(cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=2)
    card = CardFactory(program=program)
    commit(cashier, card, external_id="P-1")
    reward = commit(cashier, card, external_id="P-2").rewards[0]
    commit(cashier, card, external_id="P-3")  # a valid stamp on the card again

    result = checkout_reverse(actor=cashier.actor(), external_id="P-2")

    assert result.rewards_withdrawn == [] and [r.pk for r in result.rewards_kept] == [reward.pk]
    assert reload(card).stamps == 0 and Reward.objects.get(pk=reward.pk).state == RewardState.READY


def test_reversing_an_unknown_check_is_not_found(cashier, card):
    with pytest.raises(NotFound):
        checkout_reverse(actor=cashier.actor(), external_id="nope")


def test_a_manager_adjusts_a_card_with_a_reason(manager, card):
    result = card_adjust(actor=manager.actor(), card_ref=card.number, delta=3, reason="Lost paper card")

    assert result.delta == 3 and reload(card).stamps == 3
    event = CardEvent.objects.get(card=card)
    assert (event.kind, event.reason, event.actor) == (EventKind.ADJUSTMENT, "Lost paper card", manager.membership.user)


def test_an_adjustment_that_reaches_the_goal_issues_the_award(manager, card):
    result = card_adjust(actor=manager.actor(), card_ref=card.number, delta=9, reason="Migrated from paper")
    assert len(result.rewards) == 1 and reload(card).stamps == 1


def test_adjustments_need_a_manager_a_reason_and_enough_stamps(cashier, manager, card):
    with pytest.raises(RoleForbidden):
        card_adjust(actor=cashier.actor(), card_ref=card.number, delta=1, reason="x")
    with pytest.raises(ValidationFailed):
        card_adjust(actor=manager.actor(), card_ref=card.number, delta=1, reason="   ")
    with pytest.raises(errors.InsufficientStamps):
        card_adjust(actor=manager.actor(), card_ref=card.number, delta=-1, reason="typo")
    assert reload(card).stamps == 0 and not CardEvent.objects.exists()


def test_the_ledger_refuses_to_be_rewritten(cashier, card):
    commit(cashier, card)
    event = CardEvent.objects.get()
    event.delta = 100
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
