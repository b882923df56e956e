"""API v1 routes for merging duplicate customers (manager): the suggested duplicates and the merge itself, the same
services as the panel's merge pages (``customers.duplicates``, ``checkouts.merge``).

Registered on the loyalty router (``register``) before the directory's ``/customers/{customer_id}``: a router
resolves paths in the order they were added, and "duplicates" would otherwise be read as a customer id.
"""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.idempotency import idempotent_write
from stampcard.api.schemas import RequestSchema
from stampcard.api.types import REF_MAX
from stampcard.cards import directory
from stampcard.checkouts import merge
from stampcard.checkouts import presenters as checkouts_presenters
from stampcard.checkouts.schemas import CardOut
from stampcard.customers.duplicates import duplicate_groups
from stampcard.customers.masking import mask_contact
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Role
from stampcard.pos.schemas import CustomerOut


class DuplicateCustomerOut(Schema):
    id: str
    name: str
    contact: str = Field(description="Email or phone, half hidden (`ol•••@example.com`, `+380•••4567`).")
    created_at: datetime


class DuplicateGroupOut(Schema):
    reason: Literal["email", "phone", "name"] = Field(
        description="What the customers share: the email without its +tag (Gmail also without dots), the last nine "
        "digits of the phone, or the name (case and accents ignored)."
    )
    customers: list[DuplicateCustomerOut] = Field(description="Two or more, the oldest first.")


class DuplicatesOut(Schema):
    results: list[DuplicateGroupOut]


class MergeIn(RequestSchema):
    absorb: str = Field(max_length=REF_MAX, description="The id of the duplicate customer to merge into this one.")


class MergeOut(Schema):
    customer: CustomerOut = Field(description="The customer who stays, with the contact details taken over.")
    absorbed_id: str
    merged_at: datetime
    cards: list[CardOut] = Field(description="The survivor's cards after the merge: one per program.")
    combined_cards: list[str] = Field(description="Numbers of the absorbed cards closed into the survivor's.")
    moved_cards: list[str] = Field(description="Numbers of the absorbed cards that moved to the survivor as they are.")


def list_duplicates(request: HttpRequest) -> dict[str, Any]:
    """Groups of customers who are probably one person. 403 `role_forbidden` below manager."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return {
        "results": [
            {
                "reason": group.reason,
                "customers": [
                    {
                        "id": str(c.pk),
                        "name": c.name,
                        "contact": mask_contact(email=c.email, phone=c.phone),
                        "created_at": c.created_at,
                    }
                    for c in group.customers
                ],
            }
            for group in duplicate_groups(merchant=actor.merchant)
        ]
    }


@idempotent_write(200, MergeOut)
def merge_customer(request: HttpRequest, customer_id: str, body: MergeIn) -> dict[str, Any]:
    actor = actor_of(request)
    record = merge.customers_merge(actor=actor, survivor_id=customer_id, absorbed_id=body.absorb)
    cards = directory.customer_cards(merchant=actor.merchant, customer_id=record.survivor_id)
    return {
        "customer": checkouts_presenters.customer_payload(record.survivor),
        "absorbed_id": str(record.absorbed_id),
        "merged_at": record.created_at,
        "cards": checkouts_presenters.cards_payload(cards),
        "combined_cards": [row["from_card"] for row in record.summary["combined"]],
        "moved_cards": record.summary["moved"],
    }


def register(router: Router) -> None:
    """Add the merge routes to ``router`` (the loyalty router of ``stampcard.pos.api``), before the directory's."""
    router.get(
        "/customers/duplicates",
        response={200: DuplicatesOut, **ERRORS},
        summary="Likely duplicate customers (manager)",
        tags=["customers"],
    )(list_duplicates)
    router.post(
        "/customers/{customer_id}/merge",
        response={200: MergeOut, **ERRORS},
        summary="Merge a duplicate customer into this one (manager)",
        description="The customer in the path stays; the one in `absorb` is closed. Per program one card remains: "
        "stamps, lifetime stamps and rewards reached are added up, and checks, rewards and vouchers move to it; "
        "a card of a program only the absorbed customer holds moves as it is. Both cards' ledgers get a line "
        "(`merged_out`, `merged_in`) with who merged. The absorbed card's number and QR keep working and lead to "
        "the surviving card; its wallet passes are updated to show the surviving card's code. Contact details the "
        "survivor lacks are taken over. 422 `merge_same_customer`; 404 `customer_not_found` for an unknown id or "
        "another merchant's customer; 409 `customer_already_merged`, `customer_erased`; 403 `role_forbidden` "
        "below manager.",
        tags=["customers"],
    )(merge_customer)
