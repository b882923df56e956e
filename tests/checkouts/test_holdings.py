"""A card payload's one-statement read of ready rewards and usable vouchers answers exactly what the two selectors
answer, in their orders (stampcard.checkouts.holdings)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.checkouts.holdings import holdings_by_card
from stampcard.checkouts.services import checkout_commit
from stampcard.core import clock
from stampcard.core.validity import Validity
from stampcard.rewards.models import Reward, RewardState
from stampcard.rewards.selectors import rewards_ready_by_card
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.models import Voucher, VoucherState
from stampcard.vouchers.selectors import vouchers_active_by_card
from tests.cards.helpers import a_check
from tests.factories import CardFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(merchant, cashier, manager):
    program = ProgramFactory(merchant=merchant, goal=1)
    first, second, empty = (CardFactory(program=program) for _ in range(3))
    for card in (first, first, first, second):
        checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())  # a ready award each
    handed = Reward.objects.filter(card=first).order_by("created_at").first()
    Reward.objects.filter(pk=handed.pk).update(state=RewardState.HANDED_OVER, handed_over_at=clock.now())

    def issue(card, title, **terms):
        return vouchers_services.voucher_issue(actor=manager.actor(), card=card, title=title, **terms)

    issue(first, "no expiry")
    issue(first, "soon", validity=Validity(days=2))
    issue(first, "later", validity=Validity(days=30))
    issue(second, "not valid yet", valid_from=clock.now() + timedelta(days=3))
    (cancelled,) = issue(first, "cancelled")
    Voucher.objects.filter(pk=cancelled.pk).update(state=VoucherState.CANCELLED, cancelled_at=clock.now())
    (lapsed,) = issue(second, "lapsed, not yet marked")
    Voucher.objects.filter(pk=lapsed.pk).update(
        valid_from=clock.now() - timedelta(days=2), expires_at=clock.now() - timedelta(minutes=1)
    )
    for card in (first, second, empty):
        card.refresh_from_db()  # as a card answer reads them: after what was put on them
    return [first, second, empty]


def test_holdings_are_what_the_two_selectors_say_in_their_order(cards):
    ready, vouchers = holdings_by_card(cards=cards)

    expected_ready = rewards_ready_by_card(cards=cards)
    expected_vouchers = vouchers_active_by_card(cards=cards)
    assert {k: [r.pk for r in v] for k, v in ready.items()} == {k: [r.pk for r in v] for k, v in expected_ready.items()}
    assert {k: [v.title for v in vs] for k, vs in vouchers.items()} == {
        k: [v.title for v in vs] for k, vs in expected_vouchers.items()
    }
    first, second, empty = cards
    assert [v.title for v in vouchers[first.pk]] == ["soon", "later", "no expiry"]
    assert [v.title for v in vouchers[second.pk]] == ["not valid yet"]
    assert (len(ready[first.pk]), len(ready[second.pk]), ready[empty.pk], vouchers[empty.pk]) == (2, 1, [], [])


def test_holdings_come_back_as_whole_model_rows_in_one_statement(cards):
    with CaptureQueriesContext(connection) as captured:
        ready, vouchers = holdings_by_card(cards=cards)
        reward, voucher = ready[cards[0].pk][0], vouchers[cards[0].pk][0]
        stored_reward = Reward.objects.get(pk=reward.pk)
        assert (reward.spec, reward.created_at, reward.state) == (stored_reward.spec, stored_reward.created_at, "ready")
        stored = Voucher.objects.get(pk=voucher.pk)
        assert (voucher.expires_at, voucher.created_at, voucher.code) == (
            stored.expires_at,
            stored.created_at,
            stored.code,
        )
        assert voucher.card is cards[0]

    assert len(captured) == 1 + 2  # the holdings; the two comparisons above
