"""Once per insert and once per customer per batch, under real concurrency: threads with their own PostgreSQL
connections, released at one instant."""

import pytest
from django.test import Client

from stampcard.cards.models import Card, CardEvent, Check, EventKind
from stampcard.core.testing import run_concurrently
from stampcard.inserts import services
from stampcard.inserts.errors import InsertAlreadyUsed, InsertBatchAlreadyClaimed
from stampcard.inserts.models import InsertClaim
from stampcard.merchants.metering import usage_get
from stampcard.merchants.models import Role
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.inserts.conftest import claim_path, inserts_of, join_data, make_batch
from tests.public.conftest import IPHONE_UA

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant = MerchantFactory()
    program = ProgramFactory(merchant=merchant)
    return make_staff(merchant, Role.MANAGER), program


def test_eight_phones_scanning_one_insert_get_one_benefit(shop):
    manager, program = shop
    insert = inserts_of(make_batch(manager.actor(), count=1))[0]
    cards = [CardFactory(program=program) for _ in range(8)]

    outcomes = run_concurrently(lambda i: services.insert_claim(token=insert.token, card=cards[i]), n=8)

    assert sum(o.ok for o in outcomes) == 1
    refusals = [o.error for o in outcomes if not o.ok]
    assert len(refusals) == 7 and all(isinstance(e, InsertAlreadyUsed) for e in refusals), refusals
    assert InsertClaim.objects.count() == 1 and Check.objects.count() == 1
    assert sum(reload(card).stamps for card in cards) == 1
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1
    assert usage_get(merchant=manager.merchant).operations == 1


def test_one_phone_submitting_one_insert_eight_times_collects_once(shop):
    manager, program = shop
    insert = inserts_of(make_batch(manager.actor(), count=1, stamps=3))[0]
    card = CardFactory(program=program)

    outcomes = run_concurrently(lambda i: services.insert_claim(token=insert.token, card=card), n=8)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sum(not o.value.replayed for o in outcomes) == 1
    assert reload(card).stamps == 3 and Check.objects.count() == 1


def test_one_customer_with_eight_inserts_of_one_batch_collects_once(shop):
    manager, program = shop
    inserts = inserts_of(make_batch(manager.actor(), count=8))
    card = CardFactory(program=program)

    outcomes = run_concurrently(lambda i: services.insert_claim(token=inserts[i].token, card=card), n=8)

    assert sum(o.ok for o in outcomes) == 1
    refusals = [o.error for o in outcomes if not o.ok]
    assert all(isinstance(e, InsertBatchAlreadyClaimed) for e in refusals), refusals
    assert InsertClaim.objects.filter(card=card).count() == 1
    assert reload(card).stamps == 1 and CardEvent.objects.filter(card=card, kind=EventKind.STAMP).count() == 1


def test_a_voucher_insert_raced_by_eight_cards_issues_one_voucher(shop):
    manager, program = shop
    insert = inserts_of(make_batch(manager.actor(), count=1, kind="voucher", title="Free cappuccino"))[0]
    cards = [CardFactory(program=program) for _ in range(8)]

    outcomes = run_concurrently(lambda i: services.insert_claim(token=insert.token, card=cards[i]), n=8)

    assert sum(o.ok for o in outcomes) == 1
    assert CardEvent.objects.filter(kind=EventKind.VOUCHER_ISSUED).count() == 1


def test_eight_new_customers_posting_one_insert_over_http_get_one_stamp(shop):
    manager, program = shop
    insert = inserts_of(make_batch(manager.actor(), count=1))[0]

    def scan(i: int):
        phone = Client(headers={"User-Agent": IPHONE_UA}, REMOTE_ADDR=f"10.0.0.{i + 1}")
        return phone.post(claim_path(insert), join_data(name=f"Customer {i}"))

    outcomes = run_concurrently(scan, n=8)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sorted(o.value.status_code for o in outcomes) == [302] + [409] * 7
    assert Card.objects.filter(program=program).count() == 8  # everyone got the card
    assert [c.stamps for c in Card.objects.filter(program=program) if c.stamps] == [1]  # one got the stamp
    assert InsertClaim.objects.get().new_customer is True
