"""Every table of the analytics page as rows of plain values: what the page shows and what its CSV downloads hold
(panel and API v1 alike)."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from stampcard.analytics.selectors import Summary

TABLES = ("figures", "days", "hours", "lottery", "conversion", "progress", "roi")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def summary_table(summary: Summary, name: str) -> Table:
    """One table of ``summary`` by name (one of ``TABLES``). Raises KeyError for another name."""
    builders = {
        "figures": _figures,
        "days": _days,
        "hours": _hours,
        "lottery": _lottery,
        "conversion": _conversion,
        "progress": _progress,
        "roi": _roi,
    }
    return builders[name](summary)


def _figures(summary: Summary) -> Table:
    return Table(
        "figures",
        _("Figures"),
        [_("Figure"), _("This period"), _("Previous period"), pgettext("difference between periods", "Change")],
        [[f.label, f.value, f.previous, f.change] for f in summary.figures],
    )


def _days(summary: Summary) -> Table:
    return Table(
        "days",
        _("Day by day"),
        [_("Day"), _("Visits"), _("Stamps given"), _("Cards issued"), _("Visits in the previous period")],
        [
            [d["day"].isoformat(), d["visits"], d["stamps"], d["cards_issued"], d["previous_visits"]]
            for d in summary.days
        ],
    )


def _hours(summary: Summary) -> Table:
    return Table(
        "hours",
        _("Busiest hours"),
        [_("Weekday")] + [f"{hour:02d}" for hour in range(24)],
        [[str(WEEKDAYS[weekday])] + row for weekday, row in enumerate(summary.hours)],
    )


def _lottery(summary: Summary) -> Table:
    return Table(
        "lottery",
        _("Lottery outcomes"),
        [_("Lottery"), _("Prize"), _("Draws"), _("Share of draws"), _("Odds")],
        [[r["lottery"], r["prize"], r["draws"], r["share"], r["odds"]] for r in summary.lottery],
    )


def _conversion(summary: Summary) -> Table:
    return Table(
        "conversion",
        _("Claims"),
        [_("Source"), _("Made"), _("Used"), _("Conversion"), _("Previous period")],
        [[r["label"], r["made"], r["used"], r["rate"], r["previous_rate"]] for r in summary.conversion],
    )


def _progress(summary: Summary) -> Table:
    return Table(
        "progress",
        _("How close customers are to their reward"),
        [_("Program"), _("1 stamp away"), _("2 stamps away"), _("3 stamps away"), _("4 or more away"), _("Cards")],
        [[r["program"], r["one"], r["two"], r["three"], r["more"], r["total"]] for r in summary.progress],
    )


def _roi(summary: Summary) -> Table:
    roi = summary.roi
    assert roi is not None
    return Table(
        "roi",
        _("Return on rewards"),
        [_("Item"), _("Value")],
        [
            [_("Returning visits"), roi.returning_visits],
            [_("Average check (minor units)"), roi.average_check],
            [_("Revenue from returning visits (minor units)"), roi.revenue],
            [_("Rewards given"), roi.rewards_given],
            [_("Cost of one reward (minor units)"), roi.reward_cost],
            [_("Cost of rewards (minor units)"), roi.cost],
            [_("Currency"), roi.currency],
        ],
    )


def table_csv(table: Table) -> str:
    """The table as CSV text (a header line, then the rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    rows: Iterable[list[Any]] = table.rows
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
