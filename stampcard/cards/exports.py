"""CSV exports of the customer directory and the journal, written as a stream.

Each export is a generator of encoded lines read from the database in keyset batches (the directory's and the
journal's own cursors), so memory holds one batch whatever the size of the merchant; the web layer hands it to a
``StreamingHttpResponse``. Excel-friendly: UTF-8 with a BOM, headers in the staff member's language. Safe to open:
a text cell that a spreadsheet would run as a formula (it starts with = + - @ or a tab/return) gets a leading
apostrophe, plain numbers excepted (``cell``).

Both read the read replica when one is configured (``stampcard.core.reads``): an export of a million rows may be
seconds behind, and must not slow a till on the primary.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stampcard.cards import directory, journal
from stampcard.cards.models import CardEvent
from stampcard.core.reads import replica_alias
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Merchant

BOM = "\ufeff"
BATCH_SIZE = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def cell(value: Any, *, tz: Any = None) -> Any:
    """A value as a CSV cell: dates in ISO form, datetimes in the merchant's time, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def _lines(header: list[str], rows: Iterable[list[Any]], *, tz: Any) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([cell(name) for name in header])
    yield (BOM + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([cell(value, tz=tz) for value in row])
        yield flush()


def customers_csv(
    *, merchant: Merchant, filters: directory.DirectoryFilters, language: str | None = None, batch: int = BATCH_SIZE
) -> Iterator[bytes]:
    """The directory under ``filters`` (one line per card, as the list shows it), newest visit first."""
    with translation.override(language):
        header = [
            _("Name"),
            _("Email"),
            _("Phone"),
            _("Birthday"),
            _("Card number"),
            _("Card"),
            _("Stamps"),
            _("Goal"),
            _("Stamps collected in all"),
            _("Visits"),
            _("Last visit"),
            _("Joined"),
            _("Agreed to marketing email"),
        ]

    def rows() -> Iterator[list[Any]]:
        cursor = None
        while True:
            page = directory.directory_page(
                merchant=merchant, filters=filters, cursor=cursor, size=batch, using=replica_alias()
            )
            for card in page.cards:
                customer = card.customer
                yield [
                    customer.name,
                    customer.email,
                    customer.phone,
                    customer.birthday,
                    card.number,
                    card.program.name,
                    card.stamps,
                    directory.card_goal(card),
                    card.lifetime_stamps,
                    page.visits.get(card.pk, 0),
                    card.last_stamp_at,
                    card.created_at,
                    customer.marketing_email_consent,
                ]
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    yield from _translated(_lines(header, rows(), tz=merchant.tz), language)


def journal_csv(
    *, merchant: Merchant, filters: journal.JournalFilters, language: str | None = None, batch: int = BATCH_SIZE
) -> Iterator[bytes]:
    """The journal under ``filters``, newest first."""
    with translation.override(language):
        header = [
            _("Time"),
            _("Event"),
            _("Details"),
            _("Stamps moved"),
            _("Stamps after"),
            _("Card number"),
            _("Customer"),
            _("Location"),
            _("Staff"),
            _("Channel"),
            _("Check"),
        ]

    def rows() -> Iterator[list[Any]]:
        queryset = journal.journal_queryset(merchant=merchant, filters=filters, using=replica_alias())
        before: int | None = None
        while True:
            page = queryset.filter(id__lt=before) if before is not None else queryset
            events: list[CardEvent] = list(page[:batch])
            for event in events:
                try:
                    channel = str(Channel(event.channel).label)
                except ValueError:
                    channel = event.channel
                yield [
                    event.created_at,
                    journal.event_kind_label(event),
                    journal.event_details(event),
                    event.delta,
                    event.stamps_after,
                    event.card.number,
                    event.card.customer.name,
                    event.location.name if event.location else "",
                    journal.event_staff(event),
                    channel,
                    event.check_ref.external_id if event.check_ref else "",
                ]
            if len(events) < batch:
                return
            before = events[-1].pk

    yield from _translated(_lines(header, rows(), tz=merchant.tz), language)


def _translated(lines: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    """Run each step of ``lines`` in ``language``: the server pulls a stream after the view has returned."""
    while True:
        with translation.override(language):
            try:
                line = next(lines)
            except StopIteration:
                return
        yield line


def csv_response(lines: Iterator[bytes], *, filename: str) -> StreamingHttpResponse:
    """A download streamed from ``lines`` (the panel's and API v1's exports alike)."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
