"""The journal's "customer view": the web card as its holder saw it right after one event, from the ledger."""

import pytest
from django.db import transaction

from stampcard.cards.locks import card_lock
from stampcard.cards.models import CardEvent
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.rewards import services as rewards_services
from stampcard.vouchers import services as vouchers_services
from tests.panel.journal.helpers import record

pytestmark = pytest.mark.django_db


def url(event) -> str:
    return f"/panel/journal/{event.pk}/card/"


def test_each_event_shows_the_stamps_rewards_and_vouchers_of_that_moment(shop, manager_client):
    actor = shop.staff[Role.MANAGER].actor(Channel.PANEL)
    first = record(shop, delta=3)
    with transaction.atomic():
        card = card_lock(merchant=shop.merchant, card_id=shop.card.pk)
        reward = rewards_services.reward_grant_award(card=card, actor=actor, title="Free croissant", source="test")
    granted = CardEvent.objects.filter(card=shop.card).latest("id")
    [voucher] = vouchers_services.voucher_issue(actor=actor, title="Free cappuccino", card=shop.card)
    issued = CardEvent.objects.filter(card=shop.card).latest("id")
    rewards_services.reward_hand_over(actor=actor, reward_id=reward.pk)
    vouchers_services.voucher_cancel(actor=actor, code=voucher.code)
    last = record(shop, delta=1)

    after_first = manager_client.get(url(first)).content.decode()
    after_grant = manager_client.get(url(granted)).content.decode()
    after_voucher = manager_client.get(url(issued)).content.decode()
    now = manager_client.get(url(last)).content.decode()

    assert 'data-testid="stamps">3 of' in after_first
    assert "Free croissant" not in after_first and "Free cappuccino" not in after_first
    assert "Free croissant" in after_grant and "Free cappuccino" not in after_grant
    assert "Free croissant" in after_voucher and "Free cappuccino" in after_voucher
    assert 'data-testid="stamps">4 of' in now
    assert "Free croissant" not in now and "Free cappuccino" not in now
    assert 'data-testid="snapshot"' in now and shop.card.number in now


def test_the_journal_links_each_line_to_its_customer_view(shop, manager_client):
    event = record(shop)

    assert url(event) in manager_client.get("/panel/journal/").content.decode()


def test_a_cashier_may_not_open_it(shop, cashier_client):
    assert cashier_client.get(url(record(shop))).status_code == 403


def test_another_merchants_event_is_not_found(shop, other_shop, manager_client):
    assert manager_client.get(url(record(other_shop))).status_code == 404
    assert manager_client.get("/panel/journal/999999999/card/").status_code == 404
