"""CSV exports of customers and the journal: streamed in keyset batches, Excel-friendly, formula-safe, filtered like
their lists, translated; and their API v1 routes with roles and tenants."""

import csv
import io

import pytest
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from stampcard.cards import directory, exports, journal
from stampcard.cards.ledger import ledger_append
from stampcard.cards.models import EventKind
from stampcard.merchants.models import Role
from tests.api.helpers import API, error_of
from tests.conftest import make_staff
from tests.factories import CardFactory, CustomerFactory, MerchantFactory

pytestmark = pytest.mark.django_db


def parse(chunks) -> list[list[str]]:
    data = b"".join(chunks)
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 with a BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def stamp(staff, card, delta=1, reason=""):
    card.refresh_from_db()
    with transaction.atomic():
        return ledger_append(
            card=card, kind=EventKind.ADJUSTMENT, delta=delta, lifetime_delta=delta, actor=staff.actor(), reason=reason
        )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("+380501234567", "+380501234567"),  # a phone number is a plain number, not a formula
        ("-2", "-2"),
        ("Olena", "Olena"),
        (-2, -2),
    ],
)
def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(value, written):
    assert exports.cell(value) == written


def test_customers_export_has_every_card_once_read_in_keyset_batches(manager, program):
    cards = [CardFactory(program=program) for _ in range(7)]
    with CaptureQueriesContext(connection) as queries:
        lines = exports.customers_csv(merchant=program.merchant, filters=directory.DirectoryFilters(), batch=3)
        header = next(lines)
        first_row = next(lines)
        reads_for_the_first_line = len(queries)
        rows = [header, first_row, *lines]
    # A batch of 3 is 2 queries (cards, visits): the first line does not wait for the whole directory.
    assert reads_for_the_first_line <= 2
    assert len(queries) <= 2 * 3 + 1
    table = parse(rows)
    assert table[0][:5] == ["Name", "Email", "Phone", "Birthday", "Card number"]
    assert sorted(row[4] for row in table[1:]) == sorted(card.number for card in cards)


def test_customers_export_follows_the_list_filters_and_defuses_names(manager, program):
    evil = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name="=cmd|calc"))
    CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, name="Olena"))
    table = parse(exports.customers_csv(merchant=program.merchant, filters=directory.DirectoryFilters(q=evil.number)))
    assert [row[0] for row in table[1:]] == ["'=cmd|calc"]


def test_the_headers_are_in_the_staff_members_language(program):
    table = parse(exports.customers_csv(merchant=program.merchant, filters=directory.DirectoryFilters(), language="uk"))
    assert table[0][0] == "Ім'я"


def test_journal_export_is_the_filtered_journal_newest_first(manager, card):
    first = stamp(manager, card, 2, reason="@SUM(1)")
    second = stamp(manager, card, -1)
    other_card = CardFactory(program=card.program)
    stamp(manager, other_card, 5)
    table = parse(
        exports.journal_csv(merchant=card.merchant, filters=journal.JournalFilters(customer=card.number), batch=1)
    )
    assert [row[3] for row in table[1:]] == [str(second.delta), str(first.delta)]
    assert table[1][5] == card.number
    assert all(not cell.startswith(("=", "+", "@")) for row in table for cell in row)


# API v1


def test_api_customers_export_is_a_stream(manager, card):
    response = manager.client().get(f"{API}/customers/export.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    table = parse(response.streaming_content)
    assert [row[4] for row in table[1:]] == [card.number]


def test_api_journal_export_is_a_stream_with_the_journal_filters(manager, card):
    stamp(manager, card, 3)
    response = manager.client().get(f"{API}/journal/export.csv", {"kind": "adjustment"})
    assert isinstance(response, StreamingHttpResponse)
    assert len(parse(response.streaming_content)) == 2
    response = manager.client().get(f"{API}/journal/export.csv", {"kind": "stamp"})
    assert len(parse(response.streaming_content)) == 1


@pytest.mark.parametrize("path", ["/customers/export.csv", "/journal/export.csv"])
def test_api_exports_refuse_a_cashier(cashier, path):
    error_of(cashier.client().get(API + path), 403)


def test_api_exports_never_show_another_merchants_rows(manager, card):
    other = make_staff(MerchantFactory(), Role.MANAGER)
    stamp(manager, card, 1)
    assert len(parse(other.client().get(f"{API}/customers/export.csv").streaming_content)) == 1
    assert len(parse(other.client().get(f"{API}/journal/export.csv").streaming_content)) == 1


def test_the_export_routes_are_documented(manager):
    paths = manager.client().get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/customers/export.csv",
        "/api/v1/journal/export.csv",
        "/api/v1/imports",
        "/api/v1/imports/{import_id}",
    ):
        assert path in paths
    assert "text/csv" in paths["/api/v1/customers/export.csv"]["get"]["responses"]["200"]["content"]
