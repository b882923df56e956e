"""Request and response shapes of the POS API v1 (DESIGN.md §5). Fields may be added, never renamed or removed."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.api.schemas import ErrorOut, RequestSchema
from stampcard.api.types import REF_MAX, StrictInt
from stampcard.checkouts.schemas import CardOut, CheckIn, RewardOut, RewardPreviewOut, RewardReachedOut
from stampcard.receipts.schemas import ReceiptClaimRefOut


class ConsentsIn(RequestSchema):
    marketing_email: bool = False


class CustomerIn(RequestSchema):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    birthday: date | None = None
    program_id: str | None = Field(None, max_length=REF_MAX)
    consents: ConsentsIn = ConsentsIn()
    language: str | None = Field(
        None,
        max_length=8,
        description="The language the customer reads their web card, passes and emails in (`en`, `uk`); "
        "the merchant's when not given. 422 `unsupported_language` for another.",
    )


class CustomerOut(Schema):
    id: str
    name: str
    email: str
    phone: str
    birthday: date | None
    marketing_email_consent: bool
    language: str = Field(description="The language the customer reads their web card, passes and emails in.")
    created_at: datetime


class EnrolOut(Schema):
    customer: CustomerOut
    card: CardOut


class LookupCardOut(CardOut):
    """A candidate card, with what tells two same-named customers apart."""

    program_name: str
    contact_masked: str = Field(description="Email or phone, half hidden (`ol•••@example.com`, `+380•••4567`).")
    last_visit_at: datetime | None = Field(description="The card's last stamp; null when never stamped.")


class LookupOut(Schema):
    results: list[LookupCardOut]


class CheckoutIn(RequestSchema):
    card: str = Field(max_length=REF_MAX, description="Six-digit number or QR payload.")
    check: CheckIn
    location_id: str | None = Field(None, max_length=REF_MAX, description="Defaults to the API key's location.")


class PreviewOut(Schema):
    stamps_to_issue: int
    card: CardOut
    rewards: list[RewardPreviewOut]
    already_committed: bool
    lottery_due: bool = Field(
        False,
        description="A lottery draw is due: this check reaches a lottery milestone, "
        "or the card holds an undrawn lottery reward.",
    )
    refused: ErrorOut | None = Field(
        None,
        description="The error committing this check now would get (e.g. "
        "`plan_limit_reached`), so the till can warn before the customer pays; "
        "null when the commit would go through.",
    )


class ReverseIn(RequestSchema):
    kind: Literal["refund", "void"] = "refund"
    pos: str = Field(default="api", min_length=1, max_length=32)


class ReverseOut(Schema):
    stamps_reversed: int
    stamps_not_reversed: int = Field(description="Stamps that could not be taken back (a reward was handed over).")
    rewards_withdrawn: list[RewardOut]
    rewards_kept: list[RewardOut] = Field(
        description="Rewards this check reached that stay with the customer: handed over already, or still covered "
        "by the card's other stamps."
    )
    card: CardOut | None = Field(description="The card after; null when the check was an unclaimed receipt claim.")
    replayed: bool
    receipt_claim: ReceiptClaimRefOut | None = Field(
        None, description="Set when the check was only an unclaimed receipt claim: voided instead, no stamp reversed."
    )


class AdjustmentIn(RequestSchema):
    delta: StrictInt = Field(ge=-(2**31), le=2**31 - 1, description="Stamps to add (positive) or remove (negative).")
    reason: str = Field(max_length=300)


class AdjustmentOut(Schema):
    delta: int
    card: CardOut
    rewards: list[RewardReachedOut]


class UsageOut(Schema):
    period_start: date
    resets_at: datetime
    operations: int
    limit: int | None
    remaining: int | None


class PlanOut(Schema):
    plan: str
    interval: str
    locations_paid: int
    seats: int | None
    monthly_operations: int | None


class MerchantOut(Schema):
    id: str
    name: str
    currency: str
    timezone: str
    locale: str
    plan: PlanOut
    usage: UsageOut
