"""Claiming an insert into a card: each benefit kind, once per insert, once per customer per batch."""

from datetime import UTC, datetime, timedelta

import pytest

from stampcard.cards.checks import CheckInput
from stampcard.cards.models import CardChange, CardEvent, Check, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core.clock import frozen_at
from stampcard.core.errors import NotFound
from stampcard.inserts import services
from stampcard.inserts.errors import InsertAlreadyUsed, InsertBatchAlreadyClaimed, InsertWrongProgram
from stampcard.inserts.models import InsertClaim
from stampcard.merchants.actors import Channel
from stampcard.merchants.errors import PlanLimitReached
from stampcard.merchants.metering import usage_get
from stampcard.merchants.models import UsageCounter
from stampcard.merchants.plans import FREE_MONTHLY_OPERATIONS
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.models import Voucher
from tests.conftest import reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.inserts.conftest import inserts_of, make_batch

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)


@pytest.fixture
def now():
    with frozen_at(T0):
        yield T0


def test_a_stamp_insert_stamps_the_card_through_a_checkout_of_its_own(now, manager_actor, program, location, card):
    batch = make_batch(manager_actor, stamps=2)
    insert = inserts_of(batch)[0]

    result = services.insert_claim(token=insert.token, card=card, new_customer=True)

    assert not result.replayed and reload(card).stamps == 2 and card.lifetime_stamps == 2
    check = Check.objects.get(card=card)
    assert (check.pos, check.external_id, check.total, check.stamps_issued) == ("insert", f"{batch.pk}:1", 0, 2)
    assert check.location == location
    event = CardEvent.objects.get(card=card, kind=EventKind.STAMP)
    assert (event.delta, event.channel, event.location, event.check_ref) == (2, Channel.INSERT, location, check)
    claim = InsertClaim.objects.get(insert=insert)
    assert (claim.card, claim.customer, claim.new_customer, claim.check_ref) == (card, card.customer, True, check)
    assert usage_get(merchant=card.merchant).operations == 1  # one card operation, as for any stamp


def test_insert_stamps_reach_rewards_like_any_stamp(now, manager_actor, merchant):
    program = ProgramFactory(merchant=merchant, goal=3, reward_title="Free coffee")
    card = CardFactory(program=program, stamps=2)
    batch = make_batch(manager_actor, stamps=1)

    result = services.insert_claim(token=inserts_of(batch)[0].token, card=card)

    assert [r.title for r in result.rewards] == ["Free coffee"]
    assert reload(card).stamps == 0 and card.rewards_earned == 1
    assert Reward.objects.get(card=card).check_ref == Check.objects.get(pos="insert")


def test_a_voucher_insert_puts_a_voucher_with_its_validity_into_the_card(now, manager_actor, program, card):
    batch = make_batch(
        manager_actor, kind="voucher", title="Free cappuccino", description="Any size", validity={"days": 30}
    )

    result = services.insert_claim(token=inserts_of(batch)[0].token, card=card)

    voucher = Voucher.objects.get(card=card)
    assert result.voucher == voucher and reload(result.claim).voucher == voucher
    assert (voucher.title, voucher.description, voucher.state) == ("Free cappuccino", "Any size", "active")
    assert voucher.expires_at == now + timedelta(days=30)
    assert CardEvent.objects.filter(card=card, kind=EventKind.VOUCHER_ISSUED, channel=Channel.INSERT).count() == 1
    assert reload(card).stamps == 0 and not Check.objects.exists()


def test_a_gift_insert_leaves_an_award_ready_at_the_counter(now, manager_actor, program, card, cashier):
    batch = make_batch(manager_actor, kind="gift", title="Cookie with your coffee")

    result = services.insert_claim(token=inserts_of(batch)[0].token, card=card)

    reward = Reward.objects.get(card=card)
    assert reload(result.claim).reward == reward
    assert (reward.kind, reward.state, reward.title, reward.stamps_spent) == (
        "award",
        "ready",
        "Cookie with your coffee",
        0,
    )
    assert reward.spec["source"] == "insert" and reward.spec["batch_id"] == str(batch.pk)
    event = CardEvent.objects.get(card=card, kind=EventKind.REWARD_ISSUED)
    assert event.channel == Channel.INSERT and event.payload["reward_id"] == str(reward.pk)
    assert reload(card).stamps == 0 and card.rewards_earned == 0 and card.milestones_reached == 0
    # The cashier hands it over like any award.
    from stampcard.rewards.services import reward_hand_over

    assert reward_hand_over(actor=cashier.actor(), reward_id=reward.pk).state == RewardState.HANDED_OVER


def test_the_same_card_claiming_the_same_insert_again_gets_nothing_more(now, manager_actor, program, card):
    insert = inserts_of(make_batch(manager_actor))[0]
    first = services.insert_claim(token=insert.token, card=card)

    again = services.insert_claim(token=insert.token, card=card)

    assert again.replayed and again.claim == first.claim
    assert reload(card).stamps == 1
    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1


def test_the_second_card_to_claim_an_insert_is_told_it_was_used(now, manager_actor, program, card):
    insert = inserts_of(make_batch(manager_actor))[0]
    services.insert_claim(token=insert.token, card=card)
    other = CardFactory(program=program)

    with pytest.raises(InsertAlreadyUsed) as refused:
        services.insert_claim(token=insert.token, card=other)

    assert refused.value.code == "insert_already_used" and refused.value.status == 409
    assert reload(other).stamps == 0 and InsertClaim.objects.count() == 1


def test_one_customer_gets_one_benefit_per_batch_but_one_per_batch_of_each(now, manager_actor, program, card):
    december = inserts_of(make_batch(manager_actor, name="Glovo — December"))
    january = inserts_of(make_batch(manager_actor, name="Glovo — January"))
    services.insert_claim(token=december[0].token, card=card)

    with pytest.raises(InsertBatchAlreadyClaimed) as refused:
        services.insert_claim(token=december[1].token, card=card)
    services.insert_claim(token=january[0].token, card=card)

    assert refused.value.code == "insert_batch_already_claimed"
    assert reload(card).stamps == 2
    assert not InsertClaim.objects.filter(insert=december[1]).exists()  # still free for someone else


def test_a_card_of_another_merchant_or_program_cannot_claim(now, manager_actor, program, merchant):
    insert = inserts_of(make_batch(manager_actor))[0]
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))
    other_program_card = CardFactory(program=ProgramFactory(merchant=merchant, is_default=False, name="Lunch"))

    with pytest.raises(NotFound):
        services.insert_claim(token=insert.token, card=stranger)
    with pytest.raises(InsertWrongProgram):
        services.insert_claim(token=insert.token, card=other_program_card)
    with pytest.raises(NotFound):
        services.insert_claim(token="0" * 16, card=stranger)
    assert not InsertClaim.objects.exists()


def test_at_the_plans_cap_nothing_is_written_and_the_insert_stays_free(now, manager_actor, program, card, merchant):
    insert = inserts_of(make_batch(manager_actor))[0]
    UsageCounter.objects.create(
        merchant=merchant, period=now.astimezone(merchant.tz).date().replace(day=1), operations=FREE_MONTHLY_OPERATIONS
    )

    with pytest.raises(PlanLimitReached):
        services.insert_claim(token=insert.token, card=card)

    assert not InsertClaim.objects.exists() and not Check.objects.exists()
    assert reload(card).stamps == 0


def test_a_card_in_a_wallet_has_the_claim_recorded_for_the_wallets(now, manager_actor, program, card):
    card.in_wallet = True
    card.save(update_fields=["in_wallet"])
    insert = inserts_of(make_batch(manager_actor))[0]

    services.insert_claim(token=insert.token, card=card)

    assert CardChange.objects.filter(card=card).exists()


def test_a_gift_is_not_withdrawn_when_a_later_check_is_reversed(now, manager_actor, merchant, cashier):
    program = ProgramFactory(
        merchant=merchant,
        goal=6,
        milestones=[{"at": 2, "kind": "award", "title": "Cookie"}, {"at": 6, "kind": "award", "title": "Coffee"}],
    )
    card = CardFactory(program=program)
    actor = cashier.actor()
    for external_id in ("P-1", "P-2"):
        check = CheckInput(external_id=external_id, total=10000, currency="UAH")
        checkouts_services.checkout_commit(actor=actor, card_ref=card.number, check=check)
    gift = make_batch(manager_actor, kind="gift", title="Welcome cake")
    services.insert_claim(token=inserts_of(gift)[0].token, card=card)  # newer than the cookie, on the same round

    checkouts_services.checkout_reverse(actor=actor, external_id="P-2")

    assert Reward.objects.get(card=card, title="Cookie").state == RewardState.WITHDRAWN
    assert Reward.objects.get(card=card, title="Welcome cake").state == RewardState.READY
