"""The count of open cards kept beside them (``cards.counts``) is the number of open cards after every issue and
merge, also when many cards are issued at the same moment; the dashboard reads it without counting the cards."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.cards import counts
from stampcard.cards import services as cards_services
from stampcard.cards.models import Card
from stampcard.checkouts import merge
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from stampcard.panel import dashboard
from tests.conftest import make_staff
from tests.factories import MerchantFactory, ProgramFactory


def _open_cards(merchant):
    return Card.objects.filter(merchant=merchant, merged_into__isnull=True).count()


def _enrol(actor, name, **extra):
    return cards_services.card_enrol(actor=actor, name=name, **extra)


@pytest.mark.django_db
def test_issuing_cards_counts_each_once_per_merchant(merchant, program, manager):
    other = MerchantFactory()
    ProgramFactory(merchant=other)
    second = ProgramFactory(merchant=merchant, name="Breakfast", is_default=False)
    for i in range(11):
        _enrol(manager.actor(), f"Guest {i}")
    customer = Card.objects.filter(merchant=merchant).first().customer
    cards_services.card_create(customer=customer, program=second, actor=manager.actor())
    _enrol(make_staff(other, Role.MANAGER).actor(), "Elsewhere")

    assert counts.cards_total(merchant=merchant) == _open_cards(merchant) == 12
    assert counts.cards_total(merchant=other) == 1


@pytest.mark.django_db
def test_a_merge_counts_the_closed_card_out(merchant, program, manager):
    kept = _enrol(manager.actor(), "Olena K", email="olena@example.com")
    closed = _enrol(manager.actor(), "Olena Kovalenko", phone="+380501234567")
    _enrol(manager.actor(), "Taras")
    assert counts.cards_total(merchant=merchant) == 3

    merge.customers_merge(actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    assert counts.cards_total(merchant=merchant) == _open_cards(merchant) == 2


@pytest.mark.django_db
def test_the_dashboard_reads_the_total_without_counting_the_cards(merchant, program, manager):
    for i in range(3):
        _enrol(manager.actor(), f"Guest {i}")

    with CaptureQueriesContext(connection) as ctx:
        today = dashboard.today_figures(merchant=merchant)

    assert today.cards_total == 3 and today.cards_issued == 3
    assert not any('"cards_card"' in q["sql"] for q in ctx.captured_queries)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cards_issued_at_the_same_moment_are_all_counted():
    merchant = MerchantFactory()
    ProgramFactory(merchant=merchant)
    second = ProgramFactory(merchant=merchant, name="Breakfast", is_default=False)
    manager = make_staff(merchant, Role.MANAGER)
    threads = 12

    def work(i):
        card = _enrol(manager.actor(), f"Guest {i}")
        if i % 3 == 0:  # some customers take a second card, in another program, in the same moment
            cards_services.card_create(customer=card.customer, program=second, actor=manager.actor())
        return card

    outcomes = run_concurrently(work, n=threads)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert _open_cards(merchant) == threads + threads // 3
    assert counts.cards_total(merchant=merchant) == threads + threads // 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_merges_and_issues_at_the_same_moment_leave_the_count_exact():
    merchant = MerchantFactory()
    ProgramFactory(merchant=merchant)
    manager = make_staff(merchant, Role.MANAGER)
    pairs = [(_enrol(manager.actor(), f"Pair {i} a"), _enrol(manager.actor(), f"Pair {i} b")) for i in range(4)]

    def work(i):
        if i < len(pairs):
            kept, closed = pairs[i]
            return merge.customers_merge(
                actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=closed.customer_id
            )
        return _enrol(manager.actor(), f"New {i}")

    outcomes = run_concurrently(work, n=10)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    assert _open_cards(merchant) == 4 + 6
    assert counts.cards_total(merchant=merchant) == 4 + 6
