"""Request and response shapes of the receipt-claim routes of the POS API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import REF_MAX
from stampcard.checkouts.schemas import CheckIn


class ReceiptIn(RequestSchema):
    check: CheckIn
    location_id: str | None = Field(None, max_length=REF_MAX, description="Defaults to the API key's location.")
    program_id: str | None = Field(None, max_length=REF_MAX, description="Defaults to the merchant's default program.")


class VoidIn(RequestSchema):
    reason: Literal["refused", "cancelled", "reversed", "other"] = Field(
        description="refused: the payment failed; cancelled: the check was cancelled; reversed: refunded or voided; "
        "other: any other reason. The customer page says it in plain words."
    )


class ReceiptUrls(Schema):
    page: str = Field(description="The claim page the QR opens (same as claim_url).")
    qr_svg: str = Field(description="Scalable SVG of the QR.")
    qr_png_58: str = Field(description="1-bit PNG, 384 dots wide: the printed line of 58 mm paper at 203 dpi.")
    qr_png_80: str = Field(description="1-bit PNG, 576 dots wide: the printed line of 80 mm paper at 203 dpi.")


class ReceiptCheckOut(Schema):
    pos: str
    external_id: str
    total: int
    currency: str
    closed_at: datetime | None
    state: str | None = Field(
        description="The committed check's state once collected (committed | reversed); null before."
    )


class ReceiptOut(Schema):
    token: str = Field(description="The claim's bearer token (>= 128 bits, URL-safe): the secret part of claim_url.")
    code: str = Field(description="Eight characters to print under the QR; staff look the claim up by it.")
    state: str = Field(description="open | claimed | expired | void")
    claim_url: str
    qr_svg: str = Field(description="SVG markup of the QR (viewBox in modules, 32 mm by default).")
    qr_png: str = Field(description="data:image/png;base64,... for 58 mm paper (same image as urls.qr_png_58).")
    urls: ReceiptUrls
    expires_at: datetime
    stamps: int = Field(description="Stamps the check gives under the program's rule.")
    program_id: str
    location_id: str | None
    check: ReceiptCheckOut
    created_at: datetime
    claimed_at: datetime | None
    card: str | None = Field(description="Number of the card that collected the claim.")
    voided_at: datetime | None
    void_reason: str | None
    replayed: bool = Field(False, description="The check had this claim already (a reprint): nothing new was made.")


class ReceiptClaimRefOut(Schema):
    """The receipt claim a check reversal voided instead of reversing stamps (the check was never collected)."""

    code: str
    state: str
    voided: bool = Field(description="True: the claim gives nothing now.")
    void_reason: str | None
    voided_at: datetime | None
