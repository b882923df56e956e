"""API v1 routes of the customer directory (manager): the list with search, filters and a cursor, and one customer
with their cards. The same reads as the panel's customer pages (``stampcard.cards.directory``).

Not in ``stampcard/customers``: the rows are cards, and ``customers`` sits below ``cards`` in the layers. Registered
on the loyalty router (``register``), which already serves POST /customers: a second router with the same path would
shadow one of the two methods (Django resolves the path to the first router's view, which answers 405).
"""

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.types import INT64_MAX
from stampcard.cards import api as cards_api
from stampcard.cards import directory, exports
from stampcard.checkouts import presenters as checkouts_presenters
from stampcard.checkouts.schemas import CardOut
from stampcard.customers.masking import mask_contact
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.pos.schemas import CustomerOut


class DirectoryQuery(Schema):
    q: str = Field("", max_length=100, description="Name (every word), email, phone (or its last digits), card number.")
    program_id: uuid.UUID | None = Field(None, description="Cards of this program only.")
    location_id: uuid.UUID | None = Field(None, description="Cards stamped at least once at this location.")
    wallet: Literal["apple", "google", "none"] | None = Field(
        None, description="Cards held in this wallet, or in none."
    )
    consent: Literal["yes", "no"] | None = Field(None, description="Marketing email consent.")
    cursor: str | None = Field(None, max_length=200, description="`next_cursor` of the previous page.")
    limit: int = Field(directory.PAGE_SIZE, ge=1, le=100)


class DirectoryCustomerOut(Schema):
    id: str
    name: str
    contact: str = Field(description="Email or phone, half hidden (`ol•••@example.com`, `+380•••4567`).")


class DirectoryCardOut(Schema):
    number: str
    program_id: str
    program_name: str
    stamps: int
    goal: int


class DirectoryRowOut(Schema):
    customer: DirectoryCustomerOut
    card: DirectoryCardOut
    last_visit_at: datetime = Field(description="The card's last stamp, or its creation when never stamped.")
    visits: int = Field(description="Visits that earned stamps.")


class DirectoryOut(Schema):
    results: list[DirectoryRowOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class CustomerCardOut(CardOut):
    visits: int
    last_visit_at: datetime | None


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    card: str = Field(description="The card's number.")
    delta: int = Field(description="Stamps moved by this line (+ added, - taken away).")
    stamps_after: int
    channel: str
    reason: str
    staff: str | None = Field(description="The staff login's email, when a person did it.")
    location_id: str | None


class EventsOut(Schema):
    results: list[EventOut]
    next_before: int | None = Field(description="Pass as `before` for older lines; null on the last page.")


class CustomerDetailOut(Schema):
    customer: CustomerOut
    cards: list[CustomerCardOut]


def _directory_filters(query: DirectoryQuery, *, actor: Actor) -> directory.DirectoryFilters:
    """The query's filters, within the locations the staff login is limited to (if any): the list and its CSV alike."""
    return directory.DirectoryFilters(
        q=query.q,
        program_id=query.program_id,
        location_id=query.location_id,
        wallet=query.wallet or "",
        consent=query.consent or "",
        within=merchants_selectors.membership_location_ids(membership=actor.membership),
    )


def list_customers(request: HttpRequest, filters: Query[DirectoryQuery]) -> dict[str, Any]:
    """One row per card, the most recent visit first. Pages follow a cursor (422 `invalid_cursor` for a cursor no
    page handed out)."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    page = directory.directory_page(
        merchant=actor.merchant,
        filters=_directory_filters(filters, actor=actor),
        cursor=filters.cursor,
        size=filters.limit,
    )
    return {
        "results": [
            {
                "customer": {
                    "id": str(card.customer_id),
                    "name": card.customer.name,
                    "contact": mask_contact(email=card.customer.email, phone=card.customer.phone),
                },
                "card": {
                    "number": card.number,
                    "program_id": str(card.program_id),
                    "program_name": card.program.name,
                    "stamps": card.stamps,
                    "goal": directory.card_goal(card),
                },
                "last_visit_at": card.last_visit_at,  # type: ignore[attr-defined]
                "visits": page.visits.get(card.pk, 0),
            }
            for card in page.cards
        ],
        "next_cursor": page.next_cursor,
    }


def get_customer(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    """404 `customer_not_found` for an unknown id and for another merchant's customer alike."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    cards = directory.customer_cards(
        merchant=actor.merchant,
        customer_id=customer_id,
        within=merchants_selectors.membership_location_ids(membership=actor.membership),
    )
    visits = directory.visits_by_card(cards=cards)
    payloads = checkouts_presenters.cards_payload(cards)
    for card, payload in zip(cards, payloads, strict=True):
        payload["visits"] = visits.get(card.pk, 0)
        payload["last_visit_at"] = card.last_stamp_at
    return {"customer": checkouts_presenters.customer_payload(cards[0].customer), "cards": payloads}


def list_customer_events(
    request: HttpRequest,
    customer_id: str,
    before: int | None = Query(None, ge=1, le=INT64_MAX, description="The `next_before` of the previous page."),
    limit: int = Query(directory.PAGE_SIZE, ge=1, le=100),
) -> dict[str, Any]:
    """The ledger of the customer's cards, newest first. 404 `customer_not_found` as for the customer."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    cards = directory.customer_cards(
        merchant=actor.merchant,
        customer_id=customer_id,
        within=merchants_selectors.membership_location_ids(membership=actor.membership),
    )
    events, next_before = directory.timeline_page(cards=cards, before=before, size=limit)
    return {
        "results": [
            {
                "id": event.pk,
                "at": event.created_at,
                "kind": event.kind,
                "card": event.card.number,
                "delta": event.delta,
                "stamps_after": event.stamps_after,
                "channel": event.channel,
                "reason": event.reason,
                "staff": event.actor.email if event.actor else None,
                "location_id": str(event.location_id) if event.location_id else None,
            }
            for event in events
        ],
        "next_before": next_before,
    }


def export_customers(request: HttpRequest, filters: Query[DirectoryQuery]) -> StreamingHttpResponse:
    """The directory under the same filters as `GET /customers` (`cursor` and `limit` ignored), one line per card,
    streamed. Cells a spreadsheet would run as a formula start with an apostrophe."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    lines = exports.customers_csv(
        merchant=actor.merchant,
        filters=_directory_filters(filters, actor=actor),
        language=cards_api.staff_language(actor),
    )
    return exports.csv_response(lines, filename="customers.csv")


def register(router: Router) -> None:
    """Add the directory's routes to ``router`` (the loyalty router of ``stampcard.pos.api``)."""
    # Before /customers/{customer_id}, which would take "export.csv" for an id.
    router.get(
        "/customers/export.csv",
        response={**ERRORS},
        summary="Customers as a CSV file (manager)",
        tags=["customers"],
        openapi_extra=cards_api.CSV_RESPONSE,
    )(export_customers)
    router.get(
        "/customers",
        response={200: DirectoryOut, **ERRORS},
        summary="List customers (manager)",
        tags=["customers"],
    )(list_customers)
    router.get(
        "/customers/{customer_id}",
        response={200: CustomerDetailOut, **ERRORS},
        summary="A customer with their cards (manager)",
        tags=["customers"],
    )(get_customer)
    router.get(
        "/customers/{customer_id}/events",
        response={200: EventsOut, **ERRORS},
        summary="A customer's card history (manager)",
        tags=["customers"],
    )(list_customer_events)
