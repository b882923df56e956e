"""Printable documents answered by an API route: a manager's batch sheet (vouchers, delivery inserts) as a PDF
download, and its OpenAPI description."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from stampcard.api.common import actor_of
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Merchant, Role

# For ``openapi_extra=``: the route answers a PDF, not JSON, on success.
PDF_OPENAPI: dict[str, Any] = {"responses": {200: {"description": "A4 PDF", "content": {"application/pdf": {}}}}}

Batch = TypeVar("Batch", bound=Model)


def pdf_attachment(document: bytes, *, filename: str) -> HttpResponse:
    """A PDF the browser saves as ``filename`` rather than opening in place."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def batch_pdf(
    request: HttpRequest,
    *,
    batch_id: str,
    batch_get: Callable[..., Batch],
    sheet: Callable[[Merchant, Batch], bytes],
    name: str,
) -> HttpResponse:
    """The printable sheet of one of the merchant's batches, for a manager or the owner: ``batch_get(merchant=,
    batch_id=)`` finds it (NotFound for another tenant's), ``sheet(merchant, batch)`` draws it."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    batch = batch_get(merchant=actor.merchant, batch_id=batch_id)
    return pdf_attachment(sheet(actor.merchant, batch), filename=f"{name}-{batch.pk}.pdf")
