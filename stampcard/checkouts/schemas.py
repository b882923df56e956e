"""Shapes of a check, a card and its rewards as every JSON API shows them (the POS API v1, the scanner app, the
Poster app). Fields may be added, never renamed or removed."""

from datetime import datetime

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import MONEY_MAX, Moment, StrictInt
from stampcard.lottery.schemas import DrawOut
from stampcard.vouchers.schemas import VoucherOut


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


class CheckIn(RequestSchema):
    external_id: str = Field(min_length=1, max_length=64)
    total: StrictInt = Field(ge=0, le=MONEY_MAX, description="Minor units, e.g. 12550 = 125.50.")
    currency: str = Field(min_length=3, max_length=3)
    pos: str = Field("api", min_length=1, max_length=32, description="Which POS the external id belongs to.")
    closed_at: Moment | None = None


class CheckoutOut(Schema):
    stamps_issued: int
    card: CardOut
    rewards: list[RewardReachedOut]
    replayed: bool
