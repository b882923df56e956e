"""API v1 routes of messages: list a merchant's messages with their counts, read one with a page of its deliveries,
stop one. Manager or owner keys (a cashier's key is refused 403); another merchant's ids answer 404.

Messages are written by campaigns and automations (their own routes); these routes follow them once sent.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from stampcard.api.common import ERRORS, manager_of
from stampcard.api.idempotency import idempotent_write
from stampcard.api.types import MAX_OFFSET
from stampcard.campaigns.messages import presenters, schemas, selectors, services

router = Router(tags=["messages"])


@router.get(
    "/messages",
    response={200: schemas.MessagesOut, **ERRORS},
    summary="Messages sent and being sent, newest first, with their deliveries counted by state and reason",
)
def list_messages(
    request: HttpRequest,
    state: schemas.MessageStateName | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    actor = manager_of(request)
    messages = selectors.messages_list(merchant=actor.merchant, state=state, limit=limit, offset=offset)
    progress = selectors.progress_of_messages(messages)
    return {"results": [presenters.message_payload(m, progress[m.pk]) for m in messages]}


@router.get(
    "/messages/{message_id}",
    response={200: schemas.MessageWithDeliveriesOut, **ERRORS},
    summary="A message with its counts and a page of its deliveries (filter by state and reason code)",
)
def get_message(
    request: HttpRequest,
    message_id: str,
    state: schemas.DeliveryStateName | None = None,
    reason: str | None = Query(None, max_length=32, description="A reason code, e.g. no_consent or bounced."),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    actor = manager_of(request)
    message = selectors.message_get(merchant=actor.merchant, message_id=message_id)
    progress = selectors.message_progress(merchant=actor.merchant, message_id=message.pk)
    deliveries = selectors.deliveries_of_message(
        merchant=actor.merchant, message_id=message.pk, state=state, reason=reason, limit=limit, offset=offset
    )
    return {
        **presenters.message_payload(message, progress),
        "deliveries": [presenters.delivery_payload(d) for d in deliveries],
    }


@router.post(
    "/messages/{message_id}/cancel",
    response={200: schemas.MessageOut, **ERRORS},
    summary="Stop a message: what is not sent yet is skipped (reason cancelled). 409 message_not_draft once it "
    "finished or was stopped.",
)
@idempotent_write(200, schemas.MessageOut)
def cancel_message(request: HttpRequest, message_id: str) -> dict[str, Any]:
    actor = manager_of(request)
    message = selectors.message_get(merchant=actor.merchant, message_id=message_id)
    services.message_cancel(message=message)
    cancelled = selectors.message_get(merchant=actor.merchant, message_id=message.pk)
    return presenters.message_payload(
        cancelled, selectors.message_progress(merchant=actor.merchant, message_id=message.pk)
    )
