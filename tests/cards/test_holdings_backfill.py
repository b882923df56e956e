"""The migration that adds a card's holdings counters counts every card holding something open already, and no
other: the cards it leaves at zero are answered without reading their holdings."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stampcard.cards.models import Card
from stampcard.checkouts.services import checkout_commit
from stampcard.core import clock
from stampcard.core.validity import Validity
from stampcard.rewards.services import reward_hand_over
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.issuing import voucher_issue_to_card
from stampcard.vouchers.models import Voucher
from tests.cards.helpers import a_check
from tests.factories import CardFactory, ProgramFactory

BEFORE = ("cards", "0025_card_counts")


@pytest.mark.django_db(transaction=True)
def test_the_backfill_counts_the_cards_holding_a_ready_reward_or_an_open_voucher(manager, cashier, merchant):
    program = ProgramFactory(merchant=merchant, goal=1)
    ready, voucher, lapsed, used, untouched = (CardFactory(program=program) for _ in range(5))
    checkout_commit(actor=cashier.actor(), card_ref=ready.number, check=a_check())
    voucher_issue_to_card(actor=manager.actor(), card=voucher, title="Cake")
    past = voucher_issue_to_card(actor=manager.actor(), card=lapsed, title="Past", validity=Validity(days=1))
    Voucher.objects.filter(pk=past.pk).update(  # lapsed, and no sweep marked it yet
        valid_from=clock.now() - timedelta(days=2), expires_at=clock.now() - timedelta(hours=1)
    )
    result = checkout_commit(actor=cashier.actor(), card_ref=used.number, check=a_check())
    reward_hand_over(actor=manager.actor(), reward_id=result.rewards[0].pk)
    redeemed = voucher_issue_to_card(actor=manager.actor(), card=used, title="Redeemed")
    vouchers_services.voucher_redeem(actor=manager.actor(), code=redeemed.code)

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    counted = {c.pk: not c.holds_nothing_open for c in Card.objects.all()}
    assert counted == {ready.pk: True, voucher.pk: True, lapsed.pk: True, used.pk: False, untouched.pk: False}
