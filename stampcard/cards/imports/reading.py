"""Reading an uploaded CSV as spreadsheets export it: UTF-8 with or without a BOM (Windows-1251 as a fallback, what
an older Excel in Ukrainian saves), comma, semicolon or tab between cells, and a header row.

Also the fields a column can map to, and a first guess of the mapping from the headers (English and Ukrainian).
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ValidationFailed
from stampcard.core.text import fold

# Our fields, in the order the mapping form shows them.
FIELDS: list[tuple[str, Any]] = [
    ("name", _("Name")),
    ("email", _("Email")),
    ("phone", _("Phone")),
    ("birthday", _("Birthday")),
    ("card_number", _("Card number")),
    ("stamps", _("Stamps on the card now")),
    ("lifetime_stamps", _("Stamps collected in all")),
    ("consent", _("Agreed to marketing email")),
]
FIELD_NAMES = [name for name, _label in FIELDS]

# Header words that suggest a field: a header equal to one scores higher than one containing it.
_SYNONYMS: dict[str, list[str]] = {
    "name": ["name", "full name", "customer", "client", "customer name", "імя", "ім'я", "піб", "клієнт", "имя", "фио"],
    "email": ["email", "e-mail", "mail", "email address", "пошта", "електронна пошта", "емейл", "почта"],
    "phone": ["phone", "telephone", "mobile", "tel", "phone number", "телефон", "номер телефону", "мобільний"],
    "birthday": [
        "birthday",
        "birth date",
        "date of birth",
        "dob",
        "день народження",
        "дата народження",
        "день рождения",
        "дата рождения",
    ],
    "card_number": ["card number", "card", "card no", "номер картки", "картка", "номер карти", "номер карты", "карта"],
    "stamps": ["stamps", "balance", "points", "штампи", "штампів", "баланс", "бали", "бонуси", "штампы"],
    "lifetime_stamps": [
        "lifetime stamps",
        "lifetime",
        "total stamps",
        "stamps total",
        "всього штампів",
        "усього штампів",
        "за весь час",
    ],
    "consent": ["consent", "marketing", "subscribed", "newsletter", "згода", "розсилка", "підписка", "согласие"],
}


@dataclass(frozen=True)
class CsvFile:
    text: str
    delimiter: str
    headers: list[str]
    rows_total: int  # data rows that are not blank


def max_bytes() -> int:
    return int(settings.IMPORT_MAX_BYTES)


def size_check(size: int | None) -> None:
    """Raises ValidationFailed ``file_too_large`` for a file over ``IMPORT_MAX_BYTES``."""
    if size is not None and size > max_bytes():
        raise ValidationFailed(
            _("The file is larger than %(mb)s MB. Split it into smaller files and import them one after another.")
            % {"mb": max_bytes() // (1024 * 1024)},
            code="file_too_large",
            field="file",
        )


def decode(data: bytes) -> str:
    """The file's text. Raises ValidationFailed ``file_too_large`` or ``file_not_text``."""
    size_check(len(data))
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ValidationFailed(
        _("This is not a CSV text file. In your spreadsheet choose “Save as” → “CSV UTF-8”."),
        code="file_not_text",
        field="file",
    )


def sniff_delimiter(text: str) -> str:
    """The separator of the header line: the one of semicolon, comma or tab it holds most of (Excel in many
    European languages saves semicolons)."""
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def records(text: str, delimiter: str) -> Iterator[list[str]]:
    """Every record of the file, the header first, cells stripped."""
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [cell.strip() for cell in record]


def data_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number as a spreadsheet shows it: the header is row 1, record) of every non-blank data row."""
    for index, record in enumerate(records(text, delimiter)):
        if index and any(record):
            yield index + 1, record


def csv_read(data: bytes) -> CsvFile:
    """Decode and check an upload. Raises ValidationFailed ``file_too_large``, ``file_not_text``,
    ``file_not_csv`` (unreadable, or no header) or ``file_empty`` (a header and no rows)."""
    text = decode(data)
    delimiter = sniff_delimiter(text)
    try:
        headers = next(records(text, delimiter), [])
        total = sum(1 for _row in data_rows(text, delimiter))
    except csv.Error:
        headers, total = [], 0
    if not any(headers):
        raise ValidationFailed(
            _("The file has no header row. Its first line should name the columns, e.g. “Name;Email;Stamps”."),
            code="file_not_csv",
            field="file",
        )
    if not total:
        raise ValidationFailed(_("The file has no rows below its header."), code="file_empty", field="file")
    return CsvFile(text=text, delimiter=delimiter, headers=headers, rows_total=total)


def _normal(header: str) -> str:
    return re.sub(r"[\s_.:’`]+", " ", fold(header).replace("’", "'")).strip()


def mapping_guess(headers: list[str]) -> dict[str, int]:
    """Our field -> column index, guessed from the headers; each column and each field used once at most."""
    scores: list[tuple[int, int, int, str]] = []
    for index, header in enumerate(headers):
        normal = _normal(header)
        if not normal:
            continue
        for order, field in enumerate(FIELD_NAMES):
            for synonym in _SYNONYMS[field]:
                if normal == synonym:
                    scores.append((2, len(synonym), -order, field + f"|{index}"))
                elif synonym in normal:
                    scores.append((1, len(synonym), -order, field + f"|{index}"))
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for _score, _length, _order, pair in sorted(scores, reverse=True):
        field, index_text = pair.split("|")
        index = int(index_text)
        if field not in mapping and index not in used:
            mapping[field] = index
            used.add(index)
    return mapping
