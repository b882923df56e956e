"""API v1 routes of stampcard.inserts, mounted on the POS API in ``config.api``. Manager or owner keys."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.documents import PDF_OPENAPI, batch_pdf
from stampcard.api.idempotency import idempotent_write
from stampcard.api.types import MAX_OFFSET
from stampcard.inserts import pdf, presenters, schemas, selectors, services
from stampcard.inserts.benefits import benefit_clean
from stampcard.inserts.models import InsertBatch
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Merchant, Role

router = Router(tags=["inserts"])


@router.post(
    "/insert-batches", response={201: schemas.InsertBatchOut, **ERRORS}, summary="Make a batch of delivery inserts"
)
@idempotent_write(201, schemas.InsertBatchOut)
def create_insert_batch(request: HttpRequest, body: schemas.InsertBatchIn) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    benefit = benefit_clean(
        merchant=actor.merchant,
        kind=body.benefit.kind,
        stamps=body.benefit.stamps,
        title=body.benefit.title,
        description=body.benefit.description,
        validity=body.benefit.validity.dict() if body.benefit.validity else None,
    )
    batch = services.insert_batch_create(
        actor=actor,
        name=body.name,
        count=body.count,
        benefit=benefit,
        aggregator=body.aggregator,
        aggregator_name=body.aggregator_name,
        program_id=body.program_id,
        location_id=body.location_id,
    )
    return presenters.insert_batch_payload(batch, selectors.insert_batch_attribution(batch=batch))


@router.get(
    "/insert-batches", response={200: schemas.InsertBatchesOut, **ERRORS}, summary="Insert batches, newest first"
)
def list_insert_batches(
    request: HttpRequest, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=MAX_OFFSET)
) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    batches = selectors.insert_batches_list(merchant=actor.merchant, limit=limit, offset=offset)
    stats = selectors.insert_batches_attribution(batches=batches)
    return {"results": [presenters.insert_batch_payload(batch, stats[batch.pk]) for batch in batches]}


@router.get(
    "/insert-batches/{batch_id}",
    response={200: schemas.InsertBatchOut, **ERRORS},
    summary="An insert batch with its attribution",
)
def get_insert_batch(request: HttpRequest, batch_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    batch = selectors.insert_batch_get(merchant=actor.merchant, batch_id=batch_id)
    return presenters.insert_batch_payload(batch, selectors.insert_batch_attribution(batch=batch))


@router.get(
    "/insert-batches/{batch_id}/pdf",
    response={200: None, **ERRORS},
    url_name="insert_batch_pdf",
    summary="The print-ready PDF of a batch (A4, 12 inserts a page)",
    openapi_extra=PDF_OPENAPI,
)
def insert_batch_pdf(request: HttpRequest, batch_id: str) -> HttpResponse:
    return batch_pdf(request, batch_id=batch_id, batch_get=selectors.insert_batch_get, sheet=_sheet, name="inserts")


def _sheet(merchant: Merchant, batch: InsertBatch) -> bytes:
    return pdf.batch_sheet(merchant=merchant, batch=batch, inserts=selectors.inserts_of_batch(batch=batch))
