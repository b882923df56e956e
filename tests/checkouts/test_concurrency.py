"""Stamping under real concurrency: threads with their own PostgreSQL connections, released at one instant."""

import pytest

from stampcard.cards.models import CardEvent, Check
from stampcard.checkouts.services import checkout_commit, checkout_reverse
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory, SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paid_cashier():
    merchant = MerchantFactory(subscription=None)
    SubscriptionFactory(merchant=merchant, plan="paid", interval="month", locations_paid=1)
    return make_staff(merchant, Role.CASHIER)


def test_sixteen_concurrent_commits_of_one_check_stamp_it_once(paid_cashier):
    card = CardFactory(program=ProgramFactory(merchant=paid_cashier.merchant))

    outcomes = run_concurrently(
        lambda i: checkout_commit(
            actor=paid_cashier.actor(), card_ref=card.number, check=a_check(external_id="P-SAME")
        ),
        n=16,
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert sorted(o.value.replayed for o in outcomes) == [False] + [True] * 15
    assert reload(card).stamps == 1
    assert Check.objects.count() == 1 and CardEvent.objects.filter(card=card).count() == 1


def test_sixteen_concurrent_commits_of_different_checks_on_one_card_lose_no_stamp(paid_cashier):
    card = CardFactory(program=ProgramFactory(merchant=paid_cashier.merchant, goal=5))

    outcomes = run_concurrently(
        lambda i: checkout_commit(
            actor=paid_cashier.actor(), card_ref=card.number, check=a_check(external_id=f"P-{i}")
        ),
        n=16,
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    card = reload(card)
    assert card.lifetime_stamps == 16
    assert (card.rewards_earned, card.stamps) == (3, 1)  # 16 = 3 x 5 + 1
    assert ledger_sum(card) == card.stamps


def test_one_check_sent_to_two_cards_at_once_stamps_only_one(paid_cashier):
    program = ProgramFactory(merchant=paid_cashier.merchant)
    cards = [CardFactory(program=program), CardFactory(program=program)]

    outcomes = run_concurrently(
        lambda i: checkout_commit(
            actor=paid_cashier.actor(), card_ref=cards[i % 2].number, check=a_check(external_id="P-X")
        ),
        n=8,
    )

    stamped = [reload(c).stamps for c in cards]
    assert sorted(stamped) == [0, 1]
    winner = cards[stamped.index(1)]
    for i, outcome in enumerate(outcomes):
        if cards[i % 2].pk == winner.pk:
            assert outcome.ok
        else:
            assert getattr(outcome.error, "code", None) == "check_belongs_to_another_card"


def test_concurrent_reversals_of_one_check_reverse_it_once(paid_cashier):
    card = CardFactory(program=ProgramFactory(merchant=paid_cashier.merchant))
    for n in range(3):
        checkout_commit(actor=paid_cashier.actor(), card_ref=card.number, check=a_check(external_id=f"P-{n}"))

    outcomes = run_concurrently(lambda i: checkout_reverse(actor=paid_cashier.actor(), external_id="P-0"), n=8)

    assert all(o.ok for o in outcomes)
    assert sum(not o.value.replayed for o in outcomes) == 1
    assert reload(card).stamps == 2 == ledger_sum(card)
