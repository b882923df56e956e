"""API v1 routes of analytics: the summary the panel's page shows, its tables as CSV, the ROI settings."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from stampcard.analytics import schemas, selectors, services
from stampcard.analytics.periods import Period, period_resolve
from stampcard.analytics.selectors import Summary
from stampcard.analytics.tables import TABLES, summary_table, table_csv
from stampcard.api.common import ERRORS, actor_of
from stampcard.api.idempotency import idempotent_write
from stampcard.core import clock
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Role

router = Router(tags=["analytics"])

CSV_OPENAPI: dict[str, Any] = {
    "responses": {200: {"description": "CSV, a header line first", "content": {"text/csv": {}}}}
}


def _summary(request: HttpRequest, query: schemas.SummaryQuery) -> Summary:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    merchant = actor.merchant
    allowed = [actor.location.pk] if actor.location else selectors.allowed_locations_of(actor.membership)
    scope = selectors.analytics_scope(
        merchant=merchant, allowed_locations=allowed, location_id=query.location_id, staff_id=query.staff_id
    )
    period = period_resolve(
        kind=query.period,
        today=clock.now().astimezone(merchant.tz).date(),
        day_from=query.day_from,
        day_to=query.day_to,
    )
    return selectors.analytics_summary(merchant=merchant, period=period, scope=scope)


def _period(period: Period) -> dict[str, Any]:
    return {"kind": period.kind.value, "first": period.first, "last": period.last}


def _number(value: Any, fmt: str) -> int | float | None:
    if value is None:
        return None
    return int(value) if fmt == "count" else float(value)


def summary_payload(summary: Summary) -> dict[str, Any]:
    roi = summary.roi
    assert roi is not None
    return {
        "period": _period(summary.period),
        "previous": _period(summary.previous),
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "format": f.format,
                "value": _number(f.value, f.format),
                "previous": _number(f.previous, f.format),
                "change": float(f.change) if f.change is not None else None,
            }
            for f in summary.figures
        ],
        "days": summary.days,
        "hours": summary.hours,
        "lottery": summary.lottery,
        "conversion": summary.conversion,
        "progress": summary.progress,
        "roi": {**roi.__dict__, "net": roi.net},
    }


@router.get(
    "/analytics/summary",
    response={200: schemas.SummaryOut, **ERRORS},
    summary="Analytics of a period beside the period before (manager)",
    description="Every figure of the analytics page, from the rollups the worker refreshes every few minutes. Days "
    "are the merchant's local days. A key or membership limited to locations sees only those; a location of "
    "another merchant is 404 `location_not_found`, a staff login of another merchant 404 `staff_not_found`, a "
    "location outside the key's 403 `location_forbidden`, a custom period without sensible dates 422 "
    "`invalid_period`, below manager 403.",
)
def analytics_summary(request: HttpRequest, query: Query[schemas.SummaryQuery]) -> dict[str, Any]:
    return summary_payload(_summary(request, query))


@router.get(
    "/analytics/csv",
    response={200: None, **ERRORS},
    summary="One analytics table as CSV (manager)",
    description=f"`table` is one of {', '.join(TABLES)}; the rest of the query is the summary's.",
    openapi_extra=CSV_OPENAPI,
)
def analytics_csv(request: HttpRequest, query: Query[schemas.CsvQuery]) -> HttpResponse:
    table = query.table.value
    summary = _summary(request, query)
    response = HttpResponse(table_csv(summary_table(summary, table)), content_type="text/csv; charset=utf-8")
    name = f"analytics-{table}-{summary.period.first.isoformat()}-{summary.period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.put(
    "/analytics/roi",
    response={200: schemas.RoiSettingsOut, **ERRORS},
    summary="Set the average check and the cost of one reward for the ROI estimate (manager)",
)
@idempotent_write(200, schemas.RoiSettingsOut)
def analytics_roi_save(request: HttpRequest, body: schemas.RoiIn) -> dict[str, Any]:
    settings = services.roi_settings_save(
        actor=actor_of(request), average_check=body.average_check, reward_cost=body.reward_cost
    )
    return {"average_check": settings.average_check, "reward_cost": settings.reward_cost}
