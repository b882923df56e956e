"""API v1 routes of the cards app: the journal (every card event, newest first). Mounted in ``config.api``."""

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone, translation
from ninja import Query, Router

from stampcard.api.common import ERRORS, actor_of
from stampcard.cards import exports, journal, schemas
from stampcard.cards.models import CardEvent
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Merchant, Role

router = Router(tags=["journal"])


def journal_event_payload(event: CardEvent, *, merchant: Merchant) -> dict[str, Any]:
    return {
        "id": str(event.pk),
        "at": timezone.localtime(event.created_at, merchant.tz),
        "kind": event.kind,
        "label": journal.event_kind_label(event),
        "summary": journal.event_details(event),
        "delta": event.delta,
        "stamps_after": event.stamps_after,
        "card": {
            "number": event.card.number,
            "program_id": str(event.card.program_id),
            "customer_name": event.card.customer.name,
        },
        "channel": event.channel,
        "staff_id": str(event.actor_id) if event.actor_id else None,
        "staff": journal.event_staff(event),
        "location_id": str(event.location_id) if event.location_id else None,
        "location": event.location.name if event.location is not None else None,
        "check": event.check_ref.external_id if event.check_ref is not None else None,
    }


CSV_RESPONSE = {
    "responses": {
        "200": {
            "description": "A CSV file (UTF-8 with a BOM, comma-separated, headers in the staff login's language), "
            "streamed.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def staff_language(actor: Actor) -> str:
    """The staff login's chosen language, else the request's."""
    return (actor.user.language if actor.user else "") or translation.get_language() or "en"


def journal_filters(query: schemas.JournalQuery, *, actor: Actor) -> journal.JournalFilters:
    """The query's filters, within the locations the staff login is limited to (if any)."""
    return journal.JournalFilters(
        day_from=query.day_from,
        day_to=query.day_to,
        location_id=query.location_id,
        actor_id=query.staff_id,
        kind=query.kind,
        channel=query.channel,
        customer=query.customer,
        within=merchants_selectors.membership_location_ids(membership=actor.membership),
    )


@router.get(
    "/journal/export.csv",
    response={**ERRORS},
    summary="The journal as a CSV file (manager)",
    description="The same filters as `GET /journal` (`cursor` and `limit` are ignored: the whole filtered journal, "
    "newest first, streamed). Cells a spreadsheet would run as a formula start with an apostrophe. 403 below manager.",
    openapi_extra=CSV_RESPONSE,
)
def export_journal(request: HttpRequest, query: Query[schemas.JournalQuery]) -> StreamingHttpResponse:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    filters = journal_filters(query, actor=actor)
    if filters.customer.strip():
        journal.journal_page(merchant=actor.merchant, filters=filters, limit=1)  # a too-short search is a 422 now
    lines = exports.journal_csv(merchant=actor.merchant, filters=filters, language=staff_language(actor))
    return exports.csv_response(lines, filename="journal.csv")


@router.get(
    "/journal",
    response={200: schemas.JournalOut, **ERRORS},
    summary="The journal: every card event, newest first (manager)",
    description="Filters combine. `from`/`to` are days in the merchant's time zone, both included. `customer` takes "
    "what a cashier's search takes (card number, QR, email, phone or name; at least 2 characters). Pages are cut by "
    "`cursor` (the `next_cursor` of the page before), never by offset. 422 `invalid_cursor` for a cursor not from "
    "this API, 422 `query_too_short` for a one-character customer search, 403 below manager.",
)
def list_journal(request: HttpRequest, query: Query[schemas.JournalQuery]) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    filters = journal_filters(query, actor=actor)
    page = journal.journal_page(merchant=actor.merchant, filters=filters, cursor=query.cursor, limit=query.limit)
    return {
        "results": [journal_event_payload(event, merchant=actor.merchant) for event in page.events],
        "next_cursor": page.next_cursor,
    }
