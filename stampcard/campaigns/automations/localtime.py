"""The merchant's wall clock, which every automation counts in: days are the merchant's calendar days (a DST change
makes one 23 or 25 hours long, never shifts a birthday), and messages go out in the merchant's daytime."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from stampcard.campaigns.automations.kinds import LATEST_HOUR


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``: midnight, or the first hour that exists where a DST change skips it."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    # A skipped midnight (a zone that springs forward at 00:00) reads as an hour that does not exist; round-tripping
    # through UTC lands on the first real instant of the day.
    return start.astimezone(ZoneInfo("UTC")).astimezone(tz)


def days_between(earlier: datetime, today: date, tz: ZoneInfo) -> int:
    """Whole calendar days from the local date of ``earlier`` to ``today``."""
    return (today - earlier.astimezone(tz).date()).days


def visited_before(today: date, days: int, tz: ZoneInfo) -> datetime:
    """The cut-off for "``days`` days without a visit" today: a visit before it is at least ``days`` calendar days
    ago (the start of the local day ``days - 1`` days back)."""
    return local_day_start(today - timedelta(days=days - 1), tz)


def in_send_window(local_now: datetime, *, send_hour: int) -> bool:
    """Messages go out from ``send_hour`` until ``LATEST_HOUR`` of the merchant's day, never at night."""
    return send_hour <= local_now.hour < max(LATEST_HOUR, send_hour + 1)
