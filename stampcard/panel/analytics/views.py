"""The analytics page: a period's figures beside the period before, charts, tables with CSV downloads and the
return on rewards. Everything is read from the rollups (``stampcard.analytics.selectors.analytics_summary``)."""

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from stampcard.analytics import selectors as analytics_selectors
from stampcard.analytics import services as analytics_services
from stampcard.analytics.periods import Period, PeriodKind
from stampcard.analytics.selectors import Summary
from stampcard.analytics.tables import TABLES, summary_table, table_csv
from stampcard.core import clock
from stampcard.core.errors import NotFound
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.models import Role
from stampcard.panel.access import PanelContext, panel_of, panel_view
from stampcard.panel.analytics.forms import AnalyticsFilterForm, RoiForm


def _today(panel: PanelContext) -> date:
    return clock.now().astimezone(panel.merchant.tz).date()


def _filters(request: HttpRequest, panel: PanelContext) -> tuple[AnalyticsFilterForm, Summary | None]:
    """The filter form of the request and the summary it asks for (None when the form is invalid)."""
    allowed = analytics_selectors.allowed_locations_of(panel.membership)
    locations = list(merchants_selectors.locations_list(merchant=panel.merchant))
    if allowed is not None:
        locations = [location for location in locations if location.pk in allowed]
    form = AnalyticsFilterForm(
        request.GET or {"period": PeriodKind.WEEK},
        locations=locations,
        memberships=list(merchants_selectors.memberships_list(merchant=panel.merchant)),
        every_location=allowed is None,
        today=_today(panel),
    )
    if not form.is_valid():
        return form, None
    scope = analytics_selectors.analytics_scope(
        merchant=panel.merchant,
        allowed_locations=allowed,
        location_id=form.location_id(),
        staff_id=form.staff_id(),
    )
    summary = analytics_selectors.analytics_summary(merchant=panel.merchant, period=form.resolved(), scope=scope)
    return form, summary


def period_label(period: Period) -> str:
    if period.first == period.last:
        return date_format(period.first, "DATE_FORMAT")
    return f"{date_format(period.first, 'SHORT_DATE_FORMAT')} – {date_format(period.last, 'SHORT_DATE_FORMAT')}"


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'))} %"


def _shown(value: Any, fmt: str) -> str:
    if value is None:
        return "—"
    if fmt == "ratio":
        return _percent(value)
    return str(value)


def _money(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


def _charts(summary: Summary) -> dict[str, Any]:
    """What the page's script draws, labels already in the staff member's language."""
    return {
        "days": {
            "labels": [date_format(d["day"], "SHORT_DATE_FORMAT") for d in summary.days],
            "visits": [d["visits"] for d in summary.days],
            "previous": [d["previous_visits"] for d in summary.days],
            "stamps": [d["stamps"] for d in summary.days],
            "names": {"visits": _("Visits"), "previous": _("Visits, previous period"), "stamps": _("Stamps given")},
        },
        "hours": {
            "labels": [f"{hour:02d}" for hour in range(24)],
            "series": [{"name": str(WEEKDAYS_ABBR[w]), "data": row} for w, row in enumerate(summary.hours)],
        },
        "progress": {
            "labels": [_("1 stamp away"), _("2 stamps away"), _("3 stamps away"), _("4 or more away")],
            "data": [
                sum(r["one"] for r in summary.progress),
                sum(r["two"] for r in summary.progress),
                sum(r["three"] for r in summary.progress),
                sum(r["more"] for r in summary.progress),
            ],
            "name": _("Cards"),
        },
    }


@panel_view(Role.MANAGER)
def analytics_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    form, summary = _filters(request, panel)
    context: dict[str, Any] = {"form": form, "summary": summary, "tables": TABLES}
    if summary is not None:
        query = urlencode({k: v for k, v in request.GET.items() if v and k != "table"})
        context.update(
            period_label=period_label(summary.period),
            previous_label=period_label(summary.previous),
            tiles=[
                {
                    "figure": f,
                    "value": _shown(f.value, f.format),
                    "previous": _shown(f.previous, f.format),
                    "change": f.change,
                    "change_label": _percent(f.change) if f.change is not None else "",
                }
                for f in summary.figures
            ],
            charts=_charts(summary),
            csv_query=f"&{query}" if query else "",
            conversion=[
                {**r, "rate_label": _percent(r["rate"]), "previous_label": _percent(r["previous_rate"])}
                for r in summary.conversion
            ],
            lottery=[
                {**r, "share_label": _percent(r["share"]), "odds_label": _percent(r["odds"])} for r in summary.lottery
            ],
            roi_money={
                "average_check": _money(summary.roi.average_check),
                "reward_cost": _money(summary.roi.reward_cost),
                "revenue": _money(summary.roi.revenue),
                "cost": _money(summary.roi.cost),
                "net": _money(summary.roi.net),
            }
            if summary.roi
            else {},
            roi_form=RoiForm(
                initial={
                    "average_check": Decimal(summary.roi.average_check) / 100 if summary.roi else 0,
                    "reward_cost": Decimal(summary.roi.reward_cost) / 100 if summary.roi else 0,
                }
            ),
        )
    return render(request, "panel/analytics/page.html", context)


@panel_view(Role.MANAGER)
def analytics_csv(request: HttpRequest) -> HttpResponse:
    """One table of the page as CSV: ``?table=`` names it, the rest of the query is the page's filters."""
    panel = panel_of(request)
    table = request.GET.get("table") or "figures"
    if table not in TABLES:
        raise NotFound(code="table_not_found", table=table)
    form, summary = _filters(request, panel)
    if summary is None:
        return HttpResponse(
            "\n".join(str(e) for errors in form.errors.values() for e in errors), status=400, content_type="text/plain"
        )
    body = table_csv(summary_table(summary, table))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"analytics-{table}-{summary.period.first.isoformat()}-{summary.period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@panel_view(Role.MANAGER, methods=("POST",))
def analytics_roi_save(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    form = RoiForm(request.POST)
    back = reverse("panel:analytics") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[name].label}: {error}")
        return HttpResponseRedirect(back)
    analytics_services.roi_settings_save(
        actor=panel.actor, average_check=form.minor("average_check"), reward_cost=form.minor("reward_cost")
    )
    messages.success(request, _("Average check and reward cost saved."))
    return HttpResponseRedirect(back + "#roi")
