"""The customer directory's and the journal's hot queries are served by their indexes on PostgreSQL.

At a million cards a query that reads a whole table takes seconds (``bench/panel_queries.py``); these tests keep
each hot query on the index made for it. The tables here are small, so the planner is told that reading a table end
to end is out of the question (``enable_seqscan = off``): it then picks the index that fits the query, and a query
no index fits shows the scan anyway, or another index read end to end with a filter, which the asserts reject too.
"""

import pytest
from django.db import connection

from stampcard.cards import directory, journal
from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Channel
from tests.factories import LocationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CUSTOMERS = 3000
TRIGRAM_INDEXES = ["customer_name_trgm", "customer_phone_trgm"]
CARDS = 300


@pytest.fixture
def crowd(shop, other_shop):
    """Thousands of customers (a few hundred with cards), ten ledger lines per card at several locations, another
    merchant's lines in between, analysed: enough that reading a wrong index end to end costs the planner more."""
    customers = Customer.objects.bulk_create(
        Customer(merchant=shop.merchant, name=f"Guest {n}", name_folded=f"guest {n} kovalenko" if n % 500 == 0
                 else f"guest {n}", email=f"guest{n}@example.com", phone=f"+38050{n:07d}")
        for n in range(CUSTOMERS)
    )  # fmt: skip
    cards = Card.objects.bulk_create(
        Card(merchant=shop.merchant, program=shop.program, customer=customer, number=str(200000 + n),
             qr_payload=f"SC1:{n:026d}")
        for n, customer in enumerate(customers[:CARDS])
    )  # fmt: skip
    spots = [shop.location, *(LocationFactory(merchant=shop.merchant) for _ in range(4))]
    lines = []
    for n, card in enumerate(cards):
        for k in range(10):
            lines.append(CardEvent(merchant=shop.merchant, card=card, kind=EventKind.STAMP, delta=1, stamps_after=k + 1,
                                   channel=Channel.API, location=spots[(n + k) % len(spots)]))  # fmt: skip
            lines.append(CardEvent(merchant=other_shop.merchant, card=other_shop.card, kind=EventKind.STAMP, delta=1,
                                   stamps_after=n * 10 + k + 1, channel=Channel.API))  # fmt: skip
    CardEvent.objects.bulk_create(lines)
    with connection.cursor() as cursor:
        # Rows inserted just now wait in the GIN indexes' pending lists, which the planner prices as a scan; VACUUM
        # would merge them but cannot run in the test's transaction.
        cursor.execute(
            "SELECT gin_clean_pending_list('customer_name_trgm'), gin_clean_pending_list('customer_phone_trgm')"
        )
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return shop


def plan_of(qs) -> str:
    return qs.explain()


def page_plan(shop, **filters) -> str:
    qs = directory.directory_queryset(merchant=shop.merchant, filters=directory.DirectoryFilters(**filters))
    return plan_of(qs[: directory.PAGE_SIZE + 1])


def journal_plan(shop, **filters) -> str:
    qs = journal.journal_queryset(merchant=shop.merchant, filters=journal.JournalFilters(**filters))
    return plan_of(qs[: journal.PAGE_SIZE + 1])


def test_the_first_page_of_customers_walks_the_directory_index_without_sorting(crowd):
    plan = page_plan(crowd)

    assert "card_directory_order" in plan
    assert "Sort" not in plan


def test_a_page_after_a_cursor_starts_in_the_directory_index_where_the_cursor_points(crowd):
    everyone = directory.directory_queryset(merchant=crowd.merchant, filters=directory.DirectoryFilters())
    cursor = directory.cursor_encode(everyone[CARDS // 2])

    plan = plan_of(directory.after_cursor(everyone, cursor)[: directory.PAGE_SIZE + 1])

    [index_line] = [line for line in plan.splitlines() if "Index Cond" in line and "ROW(COALESCE" in line]
    assert "card_directory_order" in plan and "Sort" not in plan


def test_a_name_search_reads_the_trigram_index(crowd):
    plan = page_plan(crowd, q="kovalenko")

    assert "customer_name_trgm" in plan


def test_a_cashier_search_by_email_reads_the_email_index(crowd):
    from stampcard.cards.models import Card as CardModel
    from stampcard.cards.selectors import customer_email_is

    qs = CardModel.objects.filter(merchant=crowd.merchant).filter(
        customer_email_is(merchant=crowd.merchant, email="guest7@example.com")
    )

    assert "Index Scan using customer_email_unique_per_merchant" in plan_of(qs)


def test_a_phone_tail_search_reads_the_trigram_index(crowd):
    plan = page_plan(crowd, q="0000150")

    assert "customer_phone_trgm" in plan


def test_an_email_search_reads_the_email_index(crowd):
    plan = page_plan(crowd, q="guest7@example.com")

    # Looked up by merchant and email in the index, not read end to end with the email as a filter.
    assert "Index Scan using customer_email_unique_per_merchant" in plan
    assert "Index Cond: ((merchant_id = " in plan and "(email)::text = 'guest7@example.com'" in plan


def test_the_stamped_at_location_filter_probes_the_stamps_by_location_index(crowd):
    plan = page_plan(crowd, location_id=crowd.location.pk)

    assert "cardevent_card_stamped_at" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "Index Scan"),  # the journal's index or the primary key backwards: both are newest first
        ({"kind": EventKind.ADJUSTMENT}, "cardevent_journal_kind"),
        ({"channel": Channel.KIOSK}, "cardevent_journal_channel"),
    ],
)
def test_the_journal_reads_newest_first_from_its_index(crowd, filters, index):
    plan = journal_plan(crowd, **filters)

    assert index in plan
    assert "Sort" not in plan


def test_the_journal_of_one_location_or_staff_login_reads_its_index(crowd):
    staff = crowd.staff[next(iter(crowd.staff))].membership.user
    assert "cardevent_journal_location" in journal_plan(crowd, location_id=crowd.location.pk)
    assert "cardevent_journal_actor" in journal_plan(crowd, actor_id=staff.pk)


def test_without_the_trigram_index_the_name_search_would_not_be_served(crowd):
    # The check above can fail: with the index gone the same search reads the table or another index end to end.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX customer_name_trgm")

    plan = page_plan(crowd, q="kovalenko")

    assert "customer_name_trgm" not in plan
    assert Card.objects.filter(merchant=crowd.merchant).count() == CARDS + 1  # the shop's own card too


def test_a_customers_timeline_reads_the_lines_of_their_cards_by_the_card_not_the_whole_ledger(crowd):
    card = Card.objects.filter(merchant=crowd.merchant, events__isnull=False).first()

    plan = plan_of(directory.timeline_queryset(cards=[card])[: directory.PAGE_SIZE + 1])

    assert "Seq Scan on cards_cardevent" not in plan, plan
    assert "cardevent_card" in plan, plan  # the history index (card, id) or the stamps one, both start at the card
