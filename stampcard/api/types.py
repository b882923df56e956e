"""Bounded field types that every request schema of the JSON APIs reuses.

The limits are the database's (a text longer than its column, an integer past 64 bits or a date Python cannot add a
day to would otherwise fail deep inside a query or a date sum, as a 500) and the product's (no voucher valid past
2100). Each refusal is a 422 ``validation_error`` naming the field. Integers are strict: ``true`` is not 1, ``1.0``
and ``"1"`` are not integers. Text fields say their ``max_length`` in their ``Field``; ids and references take at
most ``REF_MAX`` characters. Control characters in text are refused earlier, for every field at once, by the input
guard (``stampcard.api.guard``).
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Strict

from stampcard.core.validity import LATEST_UNTIL

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Money in minor units: 10^12 is ten billion of a currency's major unit, far past any check.
MONEY_MAX = 10**12
# A day or moment a request may name: after 2100 a voucher is "valid forever" (send null for that), and a year
# near 9999 breaks date arithmetic.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = LATEST_UNTIL
# How far a list may be paged: past it there is nothing, and past 2^63 the database refuses the number.
MAX_OFFSET = 1_000_000
# An id, a card number or QR payload, a code: longer ones name nothing.
REF_MAX = 64


StrictInt = Annotated[int, Strict()]
"""An integer, never a boolean, a float or a numeric string. Every use bounds it with ``Field(ge=, le=)`` within
``INT64_MIN``..``INT64_MAX`` (constraints here would override the field's own); tests/api/test_hostile_input.py
checks that every integer of every request schema is bounded."""


def _day_in_range(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}")
    return day


def _moment_in_range(moment: datetime) -> datetime:
    _day_in_range(moment.date())
    return moment


Day = Annotated[date, AfterValidator(_day_in_range)]
"""A calendar day from 1900-01-01 to 2100-12-31."""

Moment = Annotated[datetime, AfterValidator(_moment_in_range)]
"""An instant on a day from 1900-01-01 to 2100-12-31."""
