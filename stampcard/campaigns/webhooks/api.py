"""API v1 routes of outbound webhooks, mounted on the POS API in ``config.api``. Manager or owner keys; another
merchant's ids answer 404."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from stampcard.api.common import ERRORS, manager_of
from stampcard.api.idempotency import idempotent_write
from stampcard.api.types import MAX_OFFSET
from stampcard.campaigns.webhooks import events, presenters, schemas, selectors, services

router = Router(tags=["webhooks"])


@router.get("/webhooks/events", response={200: schemas.EventTypesOut, **ERRORS}, summary="The event catalogue")
def list_events(request: HttpRequest) -> dict[str, Any]:
    manager_of(request)
    return {"results": [{"name": e.name, "description": str(e.description)} for e in events.CATALOGUE]}


@router.post(
    "/webhooks/endpoints",
    response={201: schemas.EndpointWithSecretOut, **ERRORS},
    summary="Register a webhook endpoint (the answer carries its signing secret)",
)
@idempotent_write(201, schemas.EndpointWithSecretOut)
def create_endpoint(request: HttpRequest, body: schemas.EndpointIn) -> dict[str, Any]:
    endpoint, secret = services.endpoint_create(
        actor=manager_of(request),
        url=body.url,
        events_chosen=list(body.events),
        description=body.description,
        is_active=body.is_active,
    )
    return presenters.endpoint_payload(endpoint, secret=secret)


@router.get("/webhooks/endpoints", response={200: schemas.EndpointsOut, **ERRORS}, summary="Webhook endpoints")
def list_endpoints(request: HttpRequest) -> dict[str, Any]:
    actor = manager_of(request)
    return {"results": [presenters.endpoint_payload(e) for e in selectors.endpoints_list(merchant=actor.merchant)]}


@router.get("/webhooks/endpoints/{endpoint_id}", response={200: schemas.EndpointOut, **ERRORS}, summary="An endpoint")
def get_endpoint(request: HttpRequest, endpoint_id: str) -> dict[str, Any]:
    actor = manager_of(request)
    return presenters.endpoint_payload(selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id))


@router.patch(
    "/webhooks/endpoints/{endpoint_id}", response={200: schemas.EndpointOut, **ERRORS}, summary="Change an endpoint"
)
@idempotent_write(200, schemas.EndpointOut)
def change_endpoint(request: HttpRequest, endpoint_id: str, body: schemas.EndpointChangeIn) -> dict[str, Any]:
    endpoint = services.endpoint_update(
        actor=manager_of(request),
        endpoint_id=endpoint_id,
        url=body.url,
        events_chosen=list(body.events) if body.events is not None else None,
        description=body.description,
        is_active=body.is_active,
    )
    return presenters.endpoint_payload(endpoint)


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    response={204: None, **ERRORS},
    summary="Remove an endpoint (its deliveries go with it)",
)
def delete_endpoint(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    services.endpoint_delete(actor=manager_of(request), endpoint_id=endpoint_id)
    return HttpResponse(status=204)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/roll-secret",
    response={200: schemas.SecretOut, **ERRORS},
    summary="Give the endpoint a new signing secret (used from the next attempt on)",
)
@idempotent_write(200, schemas.SecretOut)
def roll_secret(request: HttpRequest, endpoint_id: str) -> dict[str, Any]:
    return {"secret": services.endpoint_secret_roll(actor=manager_of(request), endpoint_id=endpoint_id)}


@router.post(
    "/webhooks/endpoints/{endpoint_id}/test",
    response={202: schemas.DeliveryOut, **ERRORS},
    summary="Queue a ping event to the endpoint",
)
@idempotent_write(202, schemas.DeliveryOut)
def send_test(request: HttpRequest, endpoint_id: str) -> dict[str, Any]:
    return presenters.delivery_payload(services.endpoint_test_send(actor=manager_of(request), endpoint_id=endpoint_id))


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response={200: schemas.DeliveriesOut, **ERRORS},
    summary="An endpoint's deliveries with their attempts, newest first",
)
def list_deliveries(
    request: HttpRequest,
    endpoint_id: str,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    actor = manager_of(request)
    endpoint = selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id)
    deliveries = selectors.deliveries_of_endpoint(endpoint=endpoint, limit=limit, offset=offset)
    return {"results": [presenters.delivery_payload(d) for d in deliveries]}


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    response={202: schemas.DeliveryOut, **ERRORS},
    summary="Send a delivery again now (same Stampcard-Delivery id and body)",
)
@idempotent_write(202, schemas.DeliveryOut)
def replay_delivery(request: HttpRequest, delivery_id: str) -> dict[str, Any]:
    return presenters.delivery_payload(services.delivery_replay(actor=manager_of(request), delivery_id=delivery_id))
