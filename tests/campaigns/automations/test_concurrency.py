"""Automations under real concurrency, on PostgreSQL with real threads: several workers running the scheduler at
once fire each occasion once; a stamp arriving while the stamps lapse is never lost."""

from collections import Counter
from datetime import date

import pytest

from stampcard.campaigns.automations import runner
from stampcard.campaigns.automations.models import AutomationFiring, AutomationKind
from stampcard.campaigns.messages.models import MessageDelivery
from stampcard.campaigns.webhooks.models import WebhookDelivery
from stampcard.cards.checks import CheckInput
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.vouchers.models import Voucher
from tests.campaigns.automations.conftest import kyiv, switch_on, visit
from tests.campaigns.helpers import endpoint_make
from tests.factories import CardFactory, CustomerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_queue")]


def test_four_workers_running_the_scheduler_at_once_fire_each_birthday_once(program):
    # given: 30 customers whose birthday is in three days, a voucher and a webhook endpoint
    cards = [
        CardFactory(
            program=program,
            customer=CustomerFactory(
                merchant=program.merchant,
                email=f"c{i}@example.com",
                marketing_email_consent=True,
                birthday=date(1990, 4, 3),
                birthday_set_at=kyiv(2026, 1, 1),
            ),
        )
        for i in range(30)
    ]
    endpoint = endpoint_make(program.merchant, "https://hooks.example.com/x", ["birthday.reached"])
    switch_on(program, AutomationKind.BIRTHDAY, at=kyiv(2027, 1, 1), days=3, voucher_title="Cake")

    # when: four workers run the scheduler at the same moment, in small runs so that they meet on every card
    with clock.frozen_at(kyiv(2027, 3, 31, 10)):
        outcomes = run_concurrently(lambda _i: runner.automations_run(limit=7), n=4)
        for _ in range(5):  # the runs after them find nothing left but what the limit left over
            runner.automations_run(limit=7)

    # then
    assert all(outcome.error is None for outcome in outcomes), [outcome.error for outcome in outcomes]
    assert all(outcome.value.failed == 0 for outcome in outcomes)
    assert sorted(AutomationFiring.objects.values_list("card_id", flat=True)) == sorted(card.pk for card in cards)
    assert Counter(MessageDelivery.objects.values_list("card_id", flat=True)) == Counter({c.pk: 1 for c in cards})
    assert Voucher.objects.count() == 30
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event="birthday.reached").count() == 30


def test_a_stamp_arriving_while_the_stamps_lapse_is_never_lost(program, cashier):
    # given: cards idle for 30 days with 3 stamps each, stamp expiry after 30 days
    switch_on(program, AutomationKind.STAMP_EXPIRY, at=kyiv(2027, 1, 1), days=30, reminder_days=0)
    cards = [CardFactory(program=program) for _ in range(12)]
    for card in cards:
        visit(card, kyiv(2027, 2, 1, 12), actor=cashier.actor(), stamps=3)
    actor = cashier.actor()

    def stamp_all() -> None:
        # From the last card back, while the lapse goes from the first: they meet part-way, on a card both want.
        for index, card in reversed(list(enumerate(cards))):
            checkouts_services.checkout_commit(
                actor=actor,
                card_ref=card.number,
                check=CheckInput(external_id=f"RACE-{index}", total=1000, currency="UAH"),
                fixed_stamps=1,
            )

    def lapse_all() -> int:
        return runner.automations_run().lapsed

    # when: the lapse and a visit on every card at the same moment (the merchant's midnight, 30 days on)
    with clock.frozen_at(kyiv(2027, 3, 3, 0, 0)):
        outcomes = run_concurrently(lambda i: stamp_all() if i == 0 else lapse_all(), n=2)

    # then: each card either kept its stamps and got one more (the visit came first), or lapsed and started
    # again at one (the lapse came first); the balance is the ledger's sum either way
    assert all(outcome.error is None for outcome in outcomes), [outcome.error for outcome in outcomes]
    for card in Card.objects.filter(pk__in=[c.pk for c in cards]):
        lapsed = CardEvent.objects.filter(card=card, kind=EventKind.STAMPS_EXPIRED).count()
        assert card.stamps == (1 if lapsed else 4), (card.pk, card.stamps, lapsed)
        assert card.stamps == sum(CardEvent.objects.filter(card=card).values_list("delta", flat=True))
        assert lapsed <= 1
    assert outcomes[1].value == CardEvent.objects.filter(kind=EventKind.STAMPS_EXPIRED).count()
