"""Request and response shapes of the voucher endpoints (DESIGN.md §5). Fields may be added, never removed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import MONEY_MAX, REF_MAX, Day, Moment, StrictInt


class ValidityIn(RequestSchema):
    days: StrictInt | None = Field(default=None, ge=1, le=3660)
    months: StrictInt | None = Field(default=None, ge=1, le=120)
    until: Day | None = Field(default=None, description="The last valid day, to its end in the merchant's time zone.")


class VoucherBenefitIn(RequestSchema):
    kind: Literal["gift", "percent", "amount"] = Field(
        default="gift", description="gift: hand it over; percent or amount: money off the check."
    )
    value: StrictInt = Field(
        default=0,
        ge=0,
        le=MONEY_MAX,
        description="percent: 1-100; amount: minor units of the merchant's currency (5000 = 50.00); gift: 0.",
    )


class VoucherBenefitOut(Schema):
    kind: Literal["gift", "percent", "amount"]
    value: int


class VoucherIssueIn(RequestSchema):
    card: str | None = Field(
        default=None,
        max_length=REF_MAX,
        description="Six-digit number or QR payload; omit for free-standing bearer vouchers.",
    )
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    validity: ValidityIn | None = Field(
        default=None, description='{"days": 30} | {"months": 2} | {"until": "2027-01-31"}'
    )
    valid_from: Moment | None = Field(default=None, description="Issued now, usable from then on (default: at once).")
    code: str | None = Field(
        default=None,
        max_length=REF_MAX,
        description="A merchant's own code (4-32 letters and digits), e.g. a promo code the POS knows.",
    )
    count: StrictInt = Field(default=1, ge=1, le=1000, description="More than one only for free-standing vouchers.")
    batch_name: str = Field(default="", max_length=100, description="Names the batch of free-standing vouchers.")
    purpose: Literal["flyers", "event", "compensation", "b2b_gift", "other"] = "other"
    benefit: VoucherBenefitIn | None = Field(
        default=None, description='What it gives, e.g. {"kind": "percent", "value": 10}; default: a gift.'
    )


class VoucherUrls(Schema):
    page: str = Field(description="The public page (bearer link): code, QR and barcode; claim into a new card.")
    qr_svg: str = Field(description="QR of the code, for the till's scanner.")
    qr_png: str
    barcode_svg: str = Field(description="Code 128 of the code.")
    barcode_png: str
    page_qr_svg: str = Field(description="QR of the public page's link, for flyers.")


class VoucherOut(Schema):
    id: str
    code: str = Field(description="Compact form; what the POS sends back.")
    code_display: str = Field(description="For reading aloud or printing, e.g. K7QM2-XWP9H.")
    code_source: str
    state: Literal["issued", "active", "redeemed", "expired", "cancelled"]
    title: str
    description: str
    benefit: VoucherBenefitOut
    card: str | None
    reward_id: str | None
    batch_id: str | None
    valid_from: datetime
    expires_at: datetime | None
    redeemed_at: datetime | None
    discount: int | None = Field(
        description="What the redemption took off the check (minor units): a discount voucher redeemed with the "
        "check's total. The till applies it."
    )
    cancelled_at: datetime | None
    created_at: datetime
    urls: VoucherUrls


class BatchUrls(Schema):
    pdf: str


class BatchOut(Schema):
    id: str
    name: str
    purpose: str
    count: int
    created_at: datetime
    urls: BatchUrls


class VouchersOut(Schema):
    vouchers: list[VoucherOut]
    batch: BatchOut | None = None


class RedeemCheckIn(RequestSchema):
    external_id: str = Field(default="", max_length=64)
    total: StrictInt | None = Field(
        default=None,
        ge=0,
        le=MONEY_MAX,
        description="What is left to pay on the check, in minor units: a discount voucher answers its `discount`.",
    )
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class RedeemIn(RequestSchema):
    check: RedeemCheckIn | None = None
    card: str | None = Field(
        default=None, max_length=REF_MAX, description="The card the customer showed, if any (limits guessing per card)."
    )
    location_id: str | None = Field(default=None, max_length=REF_MAX, description="Defaults to the API key's location.")


class CancelIn(RequestSchema):
    reason: str = Field(default="", max_length=300)
