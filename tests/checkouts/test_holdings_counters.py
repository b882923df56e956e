"""A card that holds nothing open is answered without reading its holdings, and nothing put on a card is ever
hidden by that (``Card.holdings_added`` / ``holdings_seen_empty``, ``checkouts.holdings``).

Every path that puts a ready reward or a voucher on a card is run against a card already seen empty after holding
something (the state the skip trusts), and the card's next answer must show what it got.
"""

import io
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.locks import card_lock
from stampcard.cards.models import Card
from stampcard.checkouts import holdings, merge
from stampcard.checkouts.presenters import card_payload
from stampcard.checkouts.services import card_adjust, checkout_commit
from stampcard.core import clock
from stampcard.core.clock import frozen_at
from stampcard.core.validity import Validity
from stampcard.lottery import services as lottery_services
from stampcard.rewards import services as rewards_services
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.issuing import voucher_issue_to_card
from tests.cards.helpers import a_check
from tests.conftest import Staff
from tests.factories import CardFactory, CustomerFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def answer(card: Card) -> dict:
    """The card's answer as a lookup gives it: the card read afresh, then its payload."""
    return card_payload(cards_selectors.card_get(merchant=card.merchant, ref=card.number))


def held(card: Card) -> tuple[list[str], list[str]]:
    payload = answer(card)
    return [r["title"] for r in payload["rewards_ready"]], [v["title"] for v in payload["vouchers"]]


def seen_empty(card: Card, manager: Staff) -> Card:
    """The card after holding a voucher that was used, and an answer that found it holding nothing."""
    voucher = voucher_issue_to_card(actor=manager.actor(), card=card, title="Used")
    vouchers_services.voucher_redeem(actor=manager.actor(), code=voucher.code)
    assert held(card) == ([], [])
    card.refresh_from_db()
    assert card.holds_nothing_open and card.holdings_added > 0
    return card


def checkout_award(manager, cashier, card):
    for _ in range(2):  # the program's goal
        checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())
    return card, (["Free coffee"], [])


def adjustment_award(manager, cashier, card):
    card_adjust(actor=manager.actor(), card_ref=card.number, delta=2, reason="Forgot to stamp")
    return card, (["Free coffee"], [])


def manager_voucher(manager, cashier, card):
    voucher_issue_to_card(actor=manager.actor(), card=card, title="Cake")
    return card, ([], ["Cake"])


def granted_award(manager, cashier, card):
    with transaction.atomic():  # as an insert's welcome gift: under the card's lock
        locked = card_lock(merchant=card.merchant, card_id=card.pk)
        rewards_services.reward_grant_award(card=locked, actor=manager.actor(), title="Welcome", source="insert")
    return card, (["Welcome"], [])


def voucher_milestone(manager, cashier, card):
    program = ProgramFactory(
        merchant=card.merchant,
        is_default=False,
        goal=1,
        milestones=[{"at": 1, "kind": "voucher", "title": "10% off", "voucher": {"validity": {"days": 30}}}],
    )
    other = seen_empty(CardFactory(program=program, customer=card.customer), manager)
    checkout_commit(actor=cashier.actor(), card_ref=other.number, check=a_check())
    return other, ([], ["10% off"])


def lottery_prize_at_checkout(manager, cashier, card):
    lottery = lottery_services.lottery_create(
        actor=manager.actor(),
        name="Wheel",
        draw_at="checkout",
        variants=[{"kind": "award", "name": "Prize", "probability_ppm": 1_000_000}],
    )
    program = ProgramFactory(
        merchant=card.merchant,
        is_default=False,
        goal=1,
        milestones=[{"at": 1, "kind": "lottery", "title": "Spin", "lottery_id": str(lottery.pk)}],
    )
    other = seen_empty(CardFactory(program=program, customer=card.customer), manager)
    checkout_commit(actor=cashier.actor(), card_ref=other.number, check=a_check())
    return other, (["Prize"], [])


def bearer_voucher_claimed(manager, cashier, card):
    bearer = vouchers_services.voucher_issue(actor=manager.actor(), title="Gift")[0]
    claimed = vouchers_services.voucher_claim(token=bearer.public_token, name="Iryna")
    return Card.objects.get(pk=claimed.card_id), ([], ["Gift"])


def merged_in(manager, cashier, card):
    duplicate = CardFactory(program=card.program, customer=CustomerFactory(merchant=card.merchant))
    voucher_issue_to_card(actor=manager.actor(), card=duplicate, title="Moved")
    merge.customers_merge(actor=manager.actor(), survivor_id=card.customer_id, absorbed_id=duplicate.customer_id)
    return card, ([], ["Moved"])


PATHS: list[Callable] = [
    checkout_award,
    adjustment_award,
    manager_voucher,
    granted_award,
    voucher_milestone,
    lottery_prize_at_checkout,
    bearer_voucher_claimed,
    merged_in,
]


@pytest.fixture
def empty_card(merchant, manager):
    program = ProgramFactory(merchant=merchant, goal=2)
    return seen_empty(CardFactory(program=program), manager)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.__name__)
def test_whatever_is_put_on_a_card_seen_empty_shows_on_its_next_answer(path, manager, cashier, empty_card):
    card, expected = path(manager, cashier, empty_card)

    assert held(card) == expected
    assert held(card) == expected  # and again: finding it did not mark the card empty


def test_a_checkout_answers_with_the_reward_it_reached_on_a_card_seen_empty(manager, cashier, empty_card):
    checkout_commit(actor=cashier.actor(), card_ref=empty_card.number, check=a_check())
    with transaction.atomic():  # as the API answers: the payload of the write's own card, in its transaction
        result = checkout_commit(actor=cashier.actor(), card_ref=empty_card.number, check=a_check())
        payload = card_payload(result.card)

    assert [r["title"] for r in payload["rewards_ready"]] == ["Free coffee"]


def test_a_card_holding_nothing_is_answered_without_a_statement(card):
    fresh = cards_selectors.card_get(merchant=card.merchant, ref=card.number)

    with CaptureQueriesContext(connection) as captured:
        payload = card_payload(fresh)

    assert (payload["rewards_ready"], payload["vouchers"]) == ([], [])
    assert len(captured) == 0


def test_a_card_emptied_is_read_once_then_no_more(manager, card):
    voucher = voucher_issue_to_card(actor=manager.actor(), card=card, title="Used")
    vouchers_services.voucher_redeem(actor=manager.actor(), code=voucher.code)

    with CaptureQueriesContext(connection) as first:
        assert held(card) == ([], [])
    with CaptureQueriesContext(connection) as second:
        assert held(card) == ([], [])

    assert len(first) == 1 + 2  # the card, its holdings, the record that it holds nothing
    assert len(second) == 1  # the card


def test_a_read_that_found_nothing_before_a_voucher_came_does_not_mark_the_card_empty(manager, card):
    """The interleaving of a lookup with a voucher issued between its read of the card and of the holdings."""
    voucher = voucher_issue_to_card(actor=manager.actor(), card=card, title="Used")
    vouchers_services.voucher_redeem(actor=manager.actor(), code=voucher.code)
    read_before = cards_selectors.card_get(merchant=card.merchant, ref=card.number)
    voucher_issue_to_card(actor=manager.actor(), card=card, title="New")

    # Its holdings read ran before the voucher was committed, so it finds nothing.
    with mock.patch.object(holdings, "_holdings_rows", return_value=[]):
        assert card_payload(read_before)["vouchers"] == []

    assert held(card) == ([], ["New"])


def test_a_lapsed_voucher_is_not_held_without_any_sweep(manager, card):
    voucher_issue_to_card(actor=manager.actor(), card=card, title="Soon", validity=Validity(days=1))
    assert held(card) == ([], ["Soon"])

    with frozen_at(clock.now() + timedelta(days=3)):
        assert held(card) == ([], [])
        assert Card.objects.get(pk=card.pk).holds_nothing_open


def test_rearming_shows_what_code_that_counted_nothing_put_on_a_card(manager, empty_card):
    # given: a card seen empty, then a voucher put on it the way code older than the counters did (no count)
    card = empty_card
    voucher = voucher_issue_to_card(actor=manager.actor(), card=card, title="From old code")
    Card.objects.filter(pk=card.pk).update(holdings_seen_empty=F("holdings_added"))
    assert held(card) == ([], [])

    # when
    out = io.StringIO()
    call_command("holdings_rearm", stdout=out)

    # then: the next answer reads the holdings and shows the voucher
    assert held(card) == ([], [voucher.title])
    assert "cards will read their holdings" in out.getvalue()
