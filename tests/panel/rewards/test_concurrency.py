"""The counter's writes under real concurrency: the same form sent twice at once (a double tap, two tabs) on
PostgreSQL, each request in its own thread with its own connection."""

import pytest
from django.test import Client

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from stampcard.vouchers import issuing
from tests.conftest import reload
from tests.factories import CardFactory
from tests.panel.rewards.makers import manager_actor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def staff_client(shop, role: Role) -> Client:
    client = Client()
    client.force_login(shop.staff[role].membership.user)
    return client


def test_a_voucher_code_posted_eight_times_at_once_is_redeemed_once(shop):
    voucher = issuing.voucher_issue_to_card(actor=manager_actor(shop), card=shop.card, title="Free cake")
    clients = [staff_client(shop, Role.CASHIER) for _ in range(8)]

    outcomes = run_concurrently(lambda i: clients[i].post("/panel/counter/redeem/", {"code": voucher.code}), n=8)

    assert all(o.ok and o.value.status_code == 302 for o in outcomes), [o.error for o in outcomes]
    assert reload(voucher).state == "redeemed"
    assert CardEvent.objects.filter(kind=EventKind.VOUCHER_REDEEMED).count() == 1


def test_one_stamp_form_posted_eight_times_at_once_stamps_once(shop):
    card = CardFactory(program=shop.program)
    clients = [staff_client(shop, Role.CASHIER) for _ in range(8)]
    data = {"card": card.number, "scan_id": "5b0c7d3e-8a51-4a4e-9d0b-7f1f6d0c2a11", "amount": "80"}

    outcomes = run_concurrently(lambda i: clients[i].post("/panel/counter/stamp/", data), n=8)

    assert all(o.ok and o.value.status_code == 302 for o in outcomes), [o.error for o in outcomes]
    assert reload(card).stamps == 1
    assert Check.objects.filter(card=card).count() == 1
    assert CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1
