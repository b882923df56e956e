"""How long a voucher is valid (a milestone's, a lottery prize's, an insert's or an issued voucher's terms): unlimited,
N days, N months after it becomes valid, or until a fixed date."""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ValidationFailed

MAX_DAYS = 3660
MAX_MONTHS = 120
# The last day a voucher may be valid to: "valid forever" is unlimited validity, and a day near 9999 would break the
# date sums below.
LATEST_UNTIL = date(2100, 12, 31)


def _invalid(message: Any) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_validity", field="validity")


@dataclass(frozen=True)
class Validity:
    """At most one of these is set; all None means unlimited.

    ``days``/``months`` count from the moment the voucher becomes valid, on the merchant's wall clock (30 days from
    10:00 ends at 10:00, across a DST change too; a month from 31 January ends on the last day of February).
    ``until`` is the last valid day: the voucher is valid to the end of that day in the merchant's time zone.
    """

    days: int | None = None
    months: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if sum(v is not None for v in (self.days, self.months, self.until)) > 1:
            raise _invalid(_("Give one of days, months or until."))
        if self.days is not None and not (isinstance(self.days, int) and 1 <= self.days <= MAX_DAYS):
            raise _invalid(_("Days must be a whole number from 1 to %(max)d.") % {"max": MAX_DAYS})
        if self.months is not None and not (isinstance(self.months, int) and 1 <= self.months <= MAX_MONTHS):
            raise _invalid(_("Months must be a whole number from 1 to %(max)d.") % {"max": MAX_MONTHS})
        if self.until is not None and self.until > LATEST_UNTIL:
            raise _invalid(_("Until is a day no later than %(latest)s.") % {"latest": LATEST_UNTIL.isoformat()})

    @classmethod
    def from_spec(cls, spec: dict | None) -> "Validity | None":
        """``{"days": 30}`` | ``{"months": 2}`` | ``{"until": "2027-01-31"}`` | None (or ``{}``) for unlimited."""
        if spec is None:
            return None
        if not isinstance(spec, dict):
            raise _invalid(_('Validity is an object such as {"days": 30}.'))
        items = {k: v for k, v in spec.items() if v is not None}
        if not items:
            return None
        if len(items) > 1 or not set(items) <= {"days", "months", "until"}:
            raise _invalid(_("Give one of days, months or until."))
        ((key, value),) = items.items()
        if key == "until":
            if isinstance(value, datetime) or not isinstance(value, date | str):
                raise _invalid(_("Until is a date such as 2027-01-31."))
            try:
                day = value if isinstance(value, date) else date.fromisoformat(value)
            except ValueError:
                raise _invalid(_("Until is a date such as 2027-01-31.")) from None
            return cls(until=day)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(_("Days and months are whole numbers."))
        return cls(days=value) if key == "days" else cls(months=value)

    @property
    def is_unlimited(self) -> bool:
        return self.days is None and self.months is None and self.until is None

    def as_spec(self) -> dict[str, Any] | None:
        if self.days is not None:
            return {"days": self.days}
        if self.months is not None:
            return {"months": self.months}
        if self.until is not None:
            return {"until": self.until.isoformat()}
        return None

    def expires_at(self, *, start: datetime, tz: ZoneInfo) -> datetime | None:
        """The first instant the voucher is no longer valid (UTC), for a voucher valid from ``start``."""
        local = start.astimezone(tz)
        if self.days is not None:
            end = _wall_clock(local.replace(tzinfo=None) + timedelta(days=self.days), tz)
        elif self.months is not None:
            end = _wall_clock(add_months(local.replace(tzinfo=None), self.months), tz)
        elif self.until is not None:
            end = _wall_clock(datetime.combine(self.until + timedelta(days=1), time.min), tz)
        else:
            return None
        return end.astimezone(UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; a day the target month lacks becomes its last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _wall_clock(naive: datetime, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as an aware datetime. A time inside a spring-forward gap lands past the gap (PEP 495:
    fold=0 reads it with the offset before the change); an ambiguous autumn time is its first occurrence."""
    return naive.replace(tzinfo=tz)
