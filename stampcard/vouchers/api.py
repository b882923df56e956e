"""API v1 routes for vouchers: mounted on the POS API in ``config.api``.

Every route that takes a code is guarded by the lookup limit (``ratelimit``): a miss (unknown or mistyped code)
costs the API key, and the card when the request names one, an attempt; past the limit the answer is 429
``voucher_rate_limited`` with ``Retry-After``.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from stampcard.api import documents
from stampcard.api.common import ERRORS, actor_of, who_of
from stampcard.api.idempotency import idempotent_write, render_json
from stampcard.cards import selectors as cards_selectors
from stampcard.core.errors import ApplicationError
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Merchant, Role
from stampcard.vouchers import pdf, presenters, ratelimit, schemas, selectors, services
from stampcard.vouchers.errors import VoucherLookupsLimited
from stampcard.vouchers.models import BatchPurpose, VoucherBatch

router = Router(tags=["vouchers"])

_MISS_STATUSES = (404, 422)


def limit_code_lookups(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reserve a lookup attempt before the view runs; give it back unless the code missed (404 or 422)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        actor = actor_of(request)
        body = kwargs.get("body")
        who = who_of(request)
        scopes = ratelimit.scopes_for(actor=actor, card_ref=getattr(body, "card", None), who=who)
        try:
            reservation = ratelimit.lookup_reserve(scopes=scopes, who=who)
        except VoucherLookupsLimited as refusal:
            return render_json(
                refusal.as_dict(), refusal.status, **{"Retry-After": str(refusal.details["retry_after"])}
            )
        try:
            result = view(request, *args, **kwargs)
        except ApplicationError as error:
            if error.status not in _MISS_STATUSES:
                ratelimit.lookup_release(reservation=reservation)
            raise
        if not (isinstance(result, HttpResponse) and result.status_code in _MISS_STATUSES):
            ratelimit.lookup_release(reservation=reservation)
        return result

    return wrapper


@router.post("/vouchers", response={201: schemas.VouchersOut, **ERRORS}, summary="Issue vouchers (manager)")
@idempotent_write(201, schemas.VouchersOut)
def issue_vouchers(request: HttpRequest, body: schemas.VoucherIssueIn) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    card = cards_selectors.card_get(merchant=actor.merchant, ref=body.card) if body.card else None
    vouchers = services.voucher_issue(
        actor=actor,
        title=body.title,
        description=body.description,
        card=card,
        validity=services.Validity.from_spec(body.validity.dict()) if body.validity else None,
        valid_from=body.valid_from,
        code=body.code,
        count=body.count,
        batch_name=body.batch_name,
        batch_purpose=BatchPurpose(body.purpose),
        benefit=services.Benefit.from_spec(body.benefit.model_dump()) if body.benefit else None,
    )
    for voucher in vouchers:
        voucher.card = card
    batch = vouchers[0].batch if vouchers and vouchers[0].batch_id else None
    return {
        "vouchers": [presenters.voucher_payload(v) for v in vouchers],
        "batch": presenters.batch_payload(batch) if batch else None,
    }


@router.get(
    "/vouchers/batches/{batch_id}/pdf",
    response={200: None, **ERRORS},
    summary="Printable sheets of a batch of vouchers (manager)",
    openapi_extra=documents.PDF_OPENAPI,
)
def batch_pdf(request: HttpRequest, batch_id: str) -> HttpResponse:
    return documents.batch_pdf(request, batch_id=batch_id, batch_get=selectors.batch_get, sheet=_sheet, name="vouchers")


def _sheet(merchant: Merchant, batch: VoucherBatch) -> bytes:
    return pdf.batch_sheet(merchant=merchant, batch=batch, vouchers=selectors.vouchers_of_batch(batch=batch))


@router.get("/vouchers/{code}", response={200: schemas.VoucherOut, **ERRORS}, summary="A voucher and its state")
@limit_code_lookups
def get_voucher(request: HttpRequest, code: str) -> dict[str, Any]:
    return presenters.voucher_payload(selectors.voucher_get(merchant=actor_of(request).merchant, code=code))


@router.post("/vouchers/{code}/redeem", response={200: schemas.VoucherOut, **ERRORS}, summary="Redeem a voucher")
@limit_code_lookups
@idempotent_write(200, schemas.VoucherOut)
def redeem_voucher(request: HttpRequest, code: str, body: schemas.RedeemIn | None = None) -> dict[str, Any]:
    body = body or schemas.RedeemIn()
    voucher = services.voucher_redeem(
        actor=actor_of(request),
        code=code,
        check_external_id=body.check.external_id if body.check else "",
        location_id=body.location_id,
        check_total=body.check.total if body.check else None,
        check_currency=body.check.currency if body.check else None,
    )
    return presenters.voucher_payload(voucher)


@router.post(
    "/vouchers/{code}/cancel", response={200: schemas.VoucherOut, **ERRORS}, summary="Cancel a voucher (manager)"
)
@limit_code_lookups
@idempotent_write(200, schemas.VoucherOut)
def cancel_voucher(request: HttpRequest, code: str, body: schemas.CancelIn | None = None) -> dict[str, Any]:
    body = body or schemas.CancelIn()
    voucher = services.voucher_cancel(actor=actor_of(request), code=code, reason=body.reason)
    return presenters.voucher_payload(voucher)
