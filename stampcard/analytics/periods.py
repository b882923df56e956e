"""The periods analytics compare: a day, a week (Monday to Sunday), a calendar month or a custom range of the
merchant's local days, each with the period just before it."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ValidationFailed

MAX_CUSTOM_DAYS = 366


class PeriodKind(models.TextChoices):
    DAY = "day", gettext_lazy("Day")
    WEEK = "week", gettext_lazy("Week")
    MONTH = "month", gettext_lazy("Month")
    CUSTOM = "custom", gettext_lazy("Custom")


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included."""

    kind: PeriodKind
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]

    def previous(self) -> "Period":
        """The period just before: the day, week or calendar month before, or as many days before a custom range."""
        if self.kind == PeriodKind.MONTH:
            last = self.first - timedelta(days=1)
            return Period(self.kind, last.replace(day=1), last)
        return Period(self.kind, self.first - timedelta(days=self.days), self.first - timedelta(days=1))


def period_resolve(*, kind: str, today: date, day_from: date | None = None, day_to: date | None = None) -> Period:
    """The period of ``kind`` holding ``day_from`` (today by default); a custom period runs ``day_from`` to
    ``day_to``. Raises ValidationFailed (invalid_period) for an unknown kind or a range that makes no sense."""
    try:
        period_kind = PeriodKind(kind or PeriodKind.WEEK)
    except ValueError:
        raise ValidationFailed(_("Choose a day, a week, a month or your own dates."), code="invalid_period") from None
    anchor = day_from or today
    if period_kind == PeriodKind.DAY:
        return Period(period_kind, anchor, anchor)
    if period_kind == PeriodKind.WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return Period(period_kind, monday, monday + timedelta(days=6))
    if period_kind == PeriodKind.MONTH:
        return Period(period_kind, anchor.replace(day=1), anchor.replace(day=monthrange(anchor.year, anchor.month)[1]))
    if day_from is None or day_to is None:
        raise ValidationFailed(_("A custom period needs a first and a last day."), code="invalid_period", field="to")
    if day_to < day_from:
        raise ValidationFailed(_("The last day comes before the first one."), code="invalid_period", field="to")
    if (day_to - day_from).days + 1 > MAX_CUSTOM_DAYS:
        raise ValidationFailed(
            _("A custom period can be at most %(days)d days long.") % {"days": MAX_CUSTOM_DAYS},
            code="invalid_period",
            field="to",
        )
    return Period(period_kind, day_from, day_to)


def period_cover(first: date, last: date) -> list[Period]:
    """The fewest standard periods that together are exactly the days ``first`` to ``last``: the calendar months
    wholly inside, then the weeks (Monday to Sunday) wholly inside what is left, then single days.

    Distinct customers are kept per standard period (``PeriodCustomers``), so any range is answered by merging
    at most a few dozen of them: 90 days are about 2 months, 4 weeks and 12 days instead of 90 days."""
    months: list[Period] = []
    start = first if first.day == 1 else _month_after(first)
    while start <= last:
        end = start.replace(day=monthrange(start.year, start.month)[1])
        if end > last:
            break
        months.append(Period(PeriodKind.MONTH, start, end))
        start = end + timedelta(days=1)
    cover: list[Period] = []
    gap_first = first
    for month in [*months, None]:
        gap_last = month.first - timedelta(days=1) if month else last
        cover += _weeks_and_days(gap_first, gap_last)
        if month:
            cover.append(month)
            gap_first = month.last + timedelta(days=1)
    return cover


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _weeks_and_days(first: date, last: date) -> list[Period]:
    cover: list[Period] = []
    day = first
    while day <= last:
        if day.weekday() == 0 and day + timedelta(days=6) <= last:
            cover.append(Period(PeriodKind.WEEK, day, day + timedelta(days=6)))
            day += timedelta(days=7)
        else:
            cover.append(Period(PeriodKind.DAY, day, day))
            day += timedelta(days=1)
    return cover
