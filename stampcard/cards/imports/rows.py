"""Checking the rows of an import file, before anything is written: every reason a row cannot be imported.

Pure (no database): the same checks for the dry run and the job, so the dry run's rejected rows are the job's. What
depends on the database (a card number held by someone else, an email and a phone of two different customers) is
decided in ``jobs``.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.codes import looks_like_card_number
from stampcard.core.errors import ValidationFailed
from stampcard.core.text import fold
from stampcard.customers import services as customers_services

MAX_STAMPS = 10_000

# Why a row is not imported: a stable code (API v1 returns it) and its message, translated when shown, so a job's
# report reads in the language of whoever looks at it.
MESSAGES: dict[str, Any] = {
    "name_empty": _("the name is empty"),
    "invalid_email": _("“%(value)s” is not an email address"),
    "invalid_phone": _("“%(value)s” is not a phone number (write it as +380501234567)"),
    "invalid_date": _("“%(value)s” is not a date (write it as 1990-05-04 or 04.05.1990)"),
    "impossible_birthday": _("the birthday %(value)s is impossible"),
    "invalid_card_number": _("the card number “%(value)s” is not six digits"),
    "not_a_whole_number": _("%(what)s: “%(value)s” is not a whole number"),
    "negative": _("%(what)s cannot be negative (%(value)s)"),
    "too_many": _("%(what)s: %(value)s is more than %(max)s"),
    "invalid_consent": _("consent “%(value)s” is neither yes nor no"),
    "duplicate_in_file": _("the same customer as row %(row)s (%(value)s)"),
    # Decided against the database (``jobs``).
    "email_and_phone_of_two_customers": _(
        "the email is another customer’s than the phone here (merge those two customers first)"
    ),
    "card_number_of_another_program": _("card number %(number)s is a card of another program"),
    "card_number_of_another_customer": _("card number %(number)s belongs to another customer"),
    "card_number_of_another_contact": _("card number %(number)s belongs to a customer with another email or phone"),
    "customer_exists": _("A customer with this email or phone already exists."),
    "card_number_taken": _("Another card already has this number."),
}
_WHAT = {"stamps": _("stamps"), "lifetime_stamps": _("stamps collected in all")}


def reason(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def reason_text(given: dict[str, Any]) -> str:
    """A reason in the active language."""
    message = MESSAGES.get(given.get("code", ""))
    if message is None:
        return str(given.get("text") or given.get("code", ""))
    params = dict(given.get("params") or {})
    if "what" in params:
        params["what"] = str(_WHAT.get(params["what"], params["what"]))
    return str(message) % params if params else str(message)


def rejected_texts(rejected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rejected rows as shown: [{"row", "reasons": [text], "codes": [code]}]."""
    return [
        {
            "row": item["row"],
            "reasons": [reason_text(given) for given in item["reasons"]],
            "codes": [given.get("code", "") for given in item["reasons"]],
        }
        for item in rejected
    ]


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y")
_YES = {"1", "yes", "y", "true", "+", "x", "так", "т", "да", "agreed", "згода"}
_NO = {"", "0", "no", "n", "false", "-", "ні", "н", "нет"}


@dataclass
class Row:
    """One data row, checked. ``reasons`` empty means it can be imported (as far as the file alone can tell)."""

    number: int
    name: str = ""
    email: str = ""
    phone: str = ""
    birthday: date | None = None
    card_number: str = ""
    stamps: int = 0
    lifetime_stamps: int = 0
    consent: bool = False
    reasons: list[dict[str, Any]] = field(default_factory=list)  # ``reason(code, **params)``

    @property
    def identity(self) -> str:
        """What recognises this customer on a second import of the file: the card number, else the email, else the
        phone, else the name with the birthday."""
        if self.card_number:
            return f"number:{self.card_number}"
        if self.email:
            return f"email:{self.email}"
        if self.phone:
            return f"phone:{self.phone}"
        return f"name:{fold(self.name)}|{self.birthday.isoformat() if self.birthday else ''}"

    @property
    def key(self) -> str:
        return hashlib.sha256(self.identity.encode()).hexdigest()


def _cell(record: list[str], mapping: dict[str, int], name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


def parse_phone(value: str) -> str:
    """International form; a Ukrainian number written without the country code (050 123 45 67) gets +38."""
    digits = re.sub(r"[\s().-]", "", value)
    if re.fullmatch(r"0\d{9}", digits):
        digits = "+38" + digits
    elif re.fullmatch(r"380\d{9}", digits):
        digits = "+" + digits
    return customers_services.normalize_phone(digits)


def parse_date(value: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(value)


def parse_count(value: str) -> int:
    """A whole number of stamps; "5.0" (a spreadsheet's number) is 5. Raises ValueError."""
    value = value.replace(" ", "").replace("\u00a0", "")
    if not value:
        return 0
    number = float(value.replace(",", "."))
    if number != int(number):
        raise ValueError(value)
    return int(number)


def row_check(number: int, record: list[str], mapping: dict[str, int]) -> Row:
    """Check one record against the mapping; every problem becomes a reason, none stops at the first."""
    row = Row(number=number)
    reasons = row.reasons
    row.name = " ".join(_cell(record, mapping, "name").split())[:200]
    if not row.name:
        reasons.append(reason("name_empty"))
    if email := _cell(record, mapping, "email"):
        try:
            row.email = customers_services.normalize_email(email)
        except ValidationFailed:
            reasons.append(reason("invalid_email", value=email[:80]))
    if phone := _cell(record, mapping, "phone"):
        try:
            row.phone = parse_phone(phone)
        except ValidationFailed:
            reasons.append(reason("invalid_phone", value=phone[:40]))
    if birthday := _cell(record, mapping, "birthday"):
        try:
            row.birthday = parse_date(birthday)
        except ValueError:
            reasons.append(reason("invalid_date", value=birthday[:40]))
        else:
            if row.birthday > clock.now().date() or row.birthday.year < 1900:
                reasons.append(reason("impossible_birthday", value=birthday[:40]))
                row.birthday = None
    if number_cell := _cell(record, mapping, "card_number"):
        if looks_like_card_number(number_cell):
            row.card_number = number_cell
        else:
            reasons.append(reason("invalid_card_number", value=number_cell[:40]))
    for name in ("stamps", "lifetime_stamps"):
        cell = _cell(record, mapping, name)
        try:
            count = parse_count(cell)
        except ValueError:
            reasons.append(reason("not_a_whole_number", what=name, value=cell[:40]))
            continue
        if count < 0:
            reasons.append(reason("negative", what=name, value=count))
        elif count > MAX_STAMPS:
            reasons.append(reason("too_many", what=name, value=count, max=MAX_STAMPS))
        else:
            setattr(row, name, count)
    # Lifetime counts at least what is on the card now.
    row.lifetime_stamps = max(row.lifetime_stamps, row.stamps)
    consent = fold(_cell(record, mapping, "consent"))
    if consent in _YES:
        row.consent = True
    elif consent not in _NO:
        reasons.append(reason("invalid_consent", value=consent[:40]))
    if row.consent and not row.email and not reasons:
        row.consent = False  # consent to email without an address has nothing to apply to
    return row


def rows_check(records: list[tuple[int, list[str]]], mapping: dict[str, int]) -> list[Row]:
    """Check every row, and reject a row that repeats an earlier row's card number, email, phone or identity."""
    rows = []
    seen: dict[str, int] = {}
    for number, record in records:
        row = row_check(number, record, mapping)
        if not row.reasons:
            marks = [("number", row.card_number), ("email", row.email), ("phone", row.phone), ("id", row.identity)]
            for kind, value in marks:
                if value and (first := seen.get(f"{kind}:{value}")):
                    row.reasons.append(
                        reason("duplicate_in_file", row=first, value=row.name if kind == "id" else value)
                    )
                    break
            else:
                for kind, value in marks:
                    if value:
                        seen[f"{kind}:{value}"] = number
        rows.append(row)
    return rows
