"""Collecting a claim: the ordinary checkout as the receipt channel, once, within its validity, by the rule."""

from datetime import timedelta

import pytest

from stampcard.cards.models import CardEvent, Check, EarningRule, EventKind
from stampcard.core import clock
from stampcard.merchants import metering
from stampcard.merchants.actors import Channel
from stampcard.merchants.errors import PlanLimitReached
from stampcard.merchants.models import UsageCounter
from stampcard.merchants.plans import FREE_MONTHLY_OPERATIONS
from stampcard.receipts import errors, outcomes, services
from stampcard.receipts.models import ReceiptToken, VoidReason
from stampcard.rewards.models import Reward
from tests.api.helpers import checkout_body, post
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory
from tests.receipts.conftest import a_check

pytestmark = pytest.mark.django_db


def test_collecting_stamps_the_check_onto_the_card_through_the_ledger(print_claim, program, cashier):
    card = CardFactory(program=program, stamps=3)
    created = print_claim(external_id="P-10494", total=12550)

    collected = services.receipt_collect(claim_id=created.claim.pk, card=card)

    assert collected.stamps_issued == 1 and reload(card).stamps == 4
    check = Check.objects.get()
    assert (check.pos, check.external_id, check.total, check.card) == ("api", "P-10494", 12550, card)
    assert check.location == cashier.location
    event = CardEvent.objects.get(card=card)
    assert (event.kind, event.delta, event.channel, event.check_ref) == (EventKind.STAMP, 1, Channel.RECEIPT, check)
    claim = reload(created.claim)
    assert (claim.card, claim.check_ref) == (card, check) and claim.claimed_at is not None
    assert metering.usage_get(merchant=program.merchant).operations == 1


def test_a_claim_gives_its_stamps_once(print_claim, program):
    card, other = CardFactory(program=program), CardFactory(program=program)
    created = print_claim()
    services.receipt_collect(claim_id=created.claim.pk, card=card)

    with pytest.raises(errors.ReceiptAlreadyClaimed) as again:
        services.receipt_collect(claim_id=created.claim.pk, card=card)
    with pytest.raises(errors.ReceiptAlreadyClaimed) as elsewhere:
        services.receipt_collect(claim_id=created.claim.pk, card=other)

    assert again.value.details["same_card"] is True and elsewhere.value.details["same_card"] is False
    assert (reload(card).stamps, reload(other).stamps) == (1, 0)
    assert Check.objects.count() == 1


def test_a_claim_is_collectable_until_the_instant_it_expires(print_claim, program):
    program.receipt_claim_days = 3
    program.save()
    created_at = clock.now()
    with clock.frozen_at(created_at):
        early, late = print_claim(), print_claim()
    expires = created_at + timedelta(days=3)
    assert early.claim.expires_at == late.claim.expires_at == expires
    card = CardFactory(program=program)

    with clock.frozen_at(expires - timedelta(microseconds=1)):
        services.receipt_collect(claim_id=early.claim.pk, card=card)
    with clock.frozen_at(expires), pytest.raises(errors.ReceiptExpired) as refused:
        services.receipt_collect(claim_id=late.claim.pk, card=card)

    assert refused.value.details["expired_at"] == expires.isoformat()
    assert reload(card).stamps == 1 and reload(late.claim).claimed_at is None
    assert Check.objects.count() == 1


def test_the_stamps_follow_the_per_amount_rule_on_the_checks_total(cashier, merchant):
    program = ProgramFactory(
        merchant=merchant,
        earning_rule=EarningRule.PER_AMOUNT,
        amount_per_stamp=5000,
        min_check_total=3000,
        max_stamps_per_check=4,
        goal=20,
    )
    card = CardFactory(program=program)

    gained = []
    for total in (12550, 100000):
        created = services.receipt_create(actor=cashier.actor(), check=a_check(total=total))
        before = reload(card).stamps
        services.receipt_collect(claim_id=created.claim.pk, card=card)
        gained.append((created.claim.stamps, reload(card).stamps - before))

    assert gained == [(2, 2), (4, 4)]  # 125.50 / 50.00 -> 2; 1000.00 -> 20, capped at 4
    with pytest.raises(errors.CheckEarnsNoStamps):  # 49.99: the minimum is met, but not one step of 50.00
        services.receipt_create(actor=cashier.actor(), check=a_check(total=4999))


def test_a_voided_claim_gives_nothing_and_says_why(print_claim, program, cashier):
    card = CardFactory(program=program)
    created = print_claim()
    services.receipt_void(actor=cashier.actor(), ref=created.claim.code, reason=VoidReason.REFUSED)

    with pytest.raises(errors.ReceiptVoided) as refused:
        services.receipt_collect(claim_id=created.claim.pk, card=card)

    assert refused.value.details["reason"] == "refused"
    assert "payment" in outcomes.void_text(reload(created.claim))
    assert reload(card).stamps == 0 and not Check.objects.exists()


def test_a_plan_limit_refuses_the_stamps_without_using_up_the_claim(print_claim, program):
    card = CardFactory(program=program)
    created = print_claim()
    period = metering.current_period(merchant=program.merchant)
    UsageCounter.objects.create(merchant=program.merchant, period=period, operations=FREE_MONTHLY_OPERATIONS)

    with pytest.raises(PlanLimitReached):
        services.receipt_collect(claim_id=created.claim.pk, card=card)

    claim = reload(created.claim)
    assert claim.claimed_at is None and claim.card is None
    assert not Check.objects.exists() and reload(card).stamps == 0
    UsageCounter.objects.filter(merchant=program.merchant).update(operations=0)  # next month, or an upgrade
    services.receipt_collect(claim_id=created.claim.pk, card=card)
    assert reload(card).stamps == 1


def test_a_check_stamped_at_the_counter_after_printing_is_not_stamped_again(print_claim, program, cashier):
    card = CardFactory(program=program)
    created = print_claim(external_id="P-77")
    assert post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-77")).status_code == 200

    with pytest.raises(errors.CheckAlreadyStamped):
        services.receipt_collect(claim_id=created.claim.pk, card=card)

    assert reload(card).stamps == 1 and reload(created.claim).claimed_at is None


def test_a_card_of_another_program_cannot_collect(print_claim, merchant):
    created = print_claim()
    tea = CardFactory(program=ProgramFactory(merchant=merchant, is_default=False, name="Tea card"))

    with pytest.raises(errors.ReceiptCardNotInProgram):
        services.receipt_collect(claim_id=created.claim.pk, card=tea)

    assert reload(created.claim).claimed_at is None


def test_reaching_the_goal_issues_the_reward_and_tells_the_customer(print_claim, program):
    card = CardFactory(program=program, stamps=7)
    created = print_claim()

    collected = services.receipt_collect(claim_id=created.claim.pk, card=card)

    reward = Reward.objects.get(card=card)
    assert collected.rewards == [reward] and reward.check_ref == collected.claim.check_ref
    assert reload(card).stamps == 0  # the goal's eight stamps became the reward
    claim = ReceiptToken.objects.select_related("merchant", "check_ref").get(pk=created.claim.pk)
    assert [line.text for line in outcomes.reward_lines(claim)] == [
        "You have earned: Free coffee! Ask for it at the counter."
    ]


def test_old_claims_nobody_used_are_pruned_and_the_rest_kept(print_claim, program, cashier):
    card = CardFactory(program=program)
    unused, collected, voided, recent = print_claim(), print_claim(), print_claim(), print_claim()
    services.receipt_collect(claim_id=collected.claim.pk, card=card)
    services.receipt_void(actor=cashier.actor(), ref=voided.claim.code, reason=VoidReason.CANCELLED)
    ReceiptToken.objects.exclude(pk=recent.claim.pk).update(expires_at=clock.now() - timedelta(days=181))

    assert services.receipt_claims_prune() == 1

    assert set(ReceiptToken.objects.values_list("pk", flat=True)) == {
        collected.claim.pk,
        voided.claim.pk,
        recent.claim.pk,
    }
    assert not ReceiptToken.objects.filter(pk=unused.claim.pk).exists()
