"""Concurrent scans of one receipt on PostgreSQL: real threads, their own connections, released at one instant."""

import pytest

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core.testing import run_concurrently
from stampcard.receipts import errors, services
from stampcard.receipts.models import ReceiptToken
from tests.api.helpers import post
from tests.conftest import reload
from tests.factories import CardFactory
from tests.receipts.conftest import a_check

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_eight_phones_scanning_one_receipt_at_once_stamp_it_once(cashier, program):
    created = services.receipt_create(actor=cashier.actor(), check=a_check())
    cards = [CardFactory(program=program) for _ in range(8)]

    outcomes = run_concurrently(lambda i: services.receipt_collect(claim_id=created.claim.pk, card=cards[i]), n=8)

    winners = [o for o in outcomes if o.ok]
    assert len(winners) == 1, [o.error for o in outcomes]
    assert all(isinstance(o.error, errors.ReceiptAlreadyClaimed) for o in outcomes if not o.ok)
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1 and Check.objects.count() == 1
    winner = winners[0].value.card
    assert reload(created.claim).card == winner
    assert sorted(reload(card).stamps for card in cards) == [0] * 7 + [1]


def test_one_phone_double_tapping_collects_once(cashier, program):
    created = services.receipt_create(actor=cashier.actor(), check=a_check())
    card = CardFactory(program=program)

    outcomes = run_concurrently(lambda i: services.receipt_collect(claim_id=created.claim.pk, card=card), n=8)

    assert sum(o.ok for o in outcomes) == 1
    assert all(o.error.details["same_card"] is True for o in outcomes if not o.ok)
    assert reload(card).stamps == 1 and CardEvent.objects.filter(card=card).count() == 1


def test_a_reversal_racing_the_scans_either_voids_the_claim_or_reverses_the_stamp(cashier, program):
    created = services.receipt_create(actor=cashier.actor(), check=a_check(external_id="P-RACE"))
    cards = [CardFactory(program=program) for _ in range(4)]

    def act(i: int):
        if i == 0:
            return post(cashier.client(), "/checkouts/P-RACE/reverse").json()
        return services.receipt_collect(claim_id=created.claim.pk, card=cards[i])

    outcomes = run_concurrently(act, n=4)

    reversal = outcomes[0].value
    claim = reload(created.claim)
    if reversal.get("receipt_claim"):  # the reversal came first: nobody got anything
        assert claim.voided_at is not None and not Check.objects.exists()
        assert not any(o.ok for o in outcomes[1:])
    else:  # a scan came first: its stamp was given and taken back
        assert reversal["stamps_reversed"] == 1 and claim.claimed_at is not None
        assert Check.objects.get().state == "reversed"
        assert sum(o.ok for o in outcomes[1:]) == 1
    assert sum(reload(card).stamps for card in cards) == 0
    assert ReceiptToken.objects.count() == 1


def test_one_check_printed_from_two_tills_at_once_gets_one_claim(cashier, program):
    outcomes = run_concurrently(
        lambda i: services.receipt_create(actor=cashier.actor(), check=a_check(external_id="P-TWICE")), n=8
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert len({o.value.token for o in outcomes}) == 1
    assert sorted(o.value.replayed for o in outcomes) == [False] + [True] * 7
    assert ReceiptToken.objects.count() == 1
