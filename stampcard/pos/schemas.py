"""Request and response shapes of the POS API v1 (DESIGN.md §5). Fields may be added, never renamed or removed."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.lottery.schemas import DrawOut
from stampcard.receipts.schemas import ReceiptClaimRefOut
from stampcard.vouchers.schemas import VoucherOut


class ErrorOut(Schema):
    code: str = Field(description="Stable snake_case error code; branch on this, not on the message.")
    message: str
    details: dict[str, object] = {}


class ConsentsIn(Schema):
    marketing_email: bool = False


class CustomerIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    birthday: date | None = None
    program_id: str | None = None
    consents: ConsentsIn = ConsentsIn()


class CustomerOut(Schema):
    id: str
    name: str
    email: str
    phone: str
    birthday: date | None
    marketing_email_consent: bool
    created_at: datetime


class RewardOut(Schema):
    id: str
    kind: str
    state: str
    title: str
    description: str
    image_url: str = Field("", description="The award's picture, when the milestone has one.")
    reached_at: datetime
    handed_over_at: datetime | None


class RewardReachedOut(RewardOut):
    voucher: VoucherOut | None = Field(None, description="For a voucher reward: the voucher now in the card.")
    lottery_draws: list[DrawOut] = Field(
        [], description="For a lottery drawn at checkout: the draws (two after an extra try) and their prizes."
    )


class RewardPreviewOut(Schema):
    kind: str
    title: str
    description: str


class CardUrls(Schema):
    self: str


class MilestoneOut(Schema):
    at: int = Field(description="Stamps on the card that reach this milestone.")
    kind: str = Field(description="award | voucher | lottery")
    title: str
    reached: bool = Field(description="Rewarded already in the card's current round.")


class CardOut(Schema):
    number: str
    qr: str = Field(description="The card's QR payload, as printed in its wallet pass.")
    program_id: str
    customer: dict[str, str]
    stamps: int
    goal: int = Field(description="Stamps of one round: the last milestone, after which the card starts again.")
    milestones: list[MilestoneOut]
    lifetime_stamps: int
    rewards_ready: list[RewardOut]
    vouchers: list[VoucherOut] = Field(description="Active vouchers, and those not valid yet, soonest expiry first.")
    urls: CardUrls


class EnrolOut(Schema):
    customer: CustomerOut
    card: CardOut


class LookupOut(Schema):
    results: list[CardOut]


class CheckIn(Schema):
    external_id: str = Field(min_length=1, max_length=64)
    total: int = Field(ge=0, description="Minor units, e.g. 12550 = 125.50.")
    currency: str = Field(min_length=3, max_length=3)
    pos: str = Field("api", min_length=1, max_length=32, description="Which POS the external id belongs to.")
    closed_at: datetime | None = None


class CheckoutIn(Schema):
    card: str = Field(description="Six-digit number or QR payload.")
    check: CheckIn
    location_id: str | None = Field(None, description="Defaults to the API key's location.")


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


class CheckoutOut(Schema):
    stamps_issued: int
    card: CardOut
    rewards: list[RewardReachedOut]
    replayed: bool


class ReverseIn(Schema):
    kind: Literal["refund", "void"] = "refund"
    pos: str = "api"


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


class AdjustmentIn(Schema):
    delta: int = Field(description="Stamps to add (positive) or remove (negative).")
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
