"""Request and response shapes of the scanner API (docs/scanner.md). Fields may be added, never renamed or removed."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import StrictInt
from stampcard.checkouts.schemas import RewardReachedOut
from stampcard.lottery.schemas import DrawOut
from stampcard.vouchers.schemas import VoucherBenefitOut

Mode = Literal["manual", "kiosk", "autopilot"]


# --- pairing -------------------------------------------------------------------------------------------------------


class LoginIn(RequestSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class StaffOut(Schema):
    email: str
    name: str


class MerchantRefOut(Schema):
    id: str
    name: str


class LoginLocationOut(Schema):
    id: str
    name: str
    merchant: MerchantRefOut


class LoginOut(Schema):
    ticket: str = Field(description="Signed; valid 10 minutes, for POST /devices.")
    staff: StaffOut
    locations: list[LoginLocationOut] = Field(description="Where this staff login may pair a device.")


class PairIn(RequestSchema):
    ticket: str = Field(max_length=2000)
    location_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=100)
    mode: Mode = "manual"


class LocationRefOut(Schema):
    id: str
    name: str


class DeviceMerchantOut(Schema):
    id: str
    name: str
    currency: str


class DeviceOut(Schema):
    id: str
    name: str
    mode: Mode
    location: LocationRefOut
    merchant: DeviceMerchantOut
    paired_by: str = Field(description="Email of the staff login that paired the device; the device acts as them.")
    paired_at: datetime
    sound: bool


class PairOut(Schema):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'. Shown only once.")
    device: DeviceOut


class ModeIn(RequestSchema):
    mode: Mode
    email: str | None = Field(default=None, max_length=254, description="A staff member's, to leave kiosk mode.")
    password: str | None = Field(default=None, max_length=1024)


class StaffConfirmIn(RequestSchema):
    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=1024)


# --- cards ---------------------------------------------------------------------------------------------------------


class ProgramOut(Schema):
    id: str
    name: str
    earning_rule: Literal["per_receipt", "per_amount"]
    amount_per_stamp: int | None = Field(description="Minor units per stamp, for per_amount programs.")
    currency: str


class MilestoneOut(Schema):
    at: int
    kind: str
    title: str
    reached: bool


class ReadyRewardOut(Schema):
    id: str
    kind: Literal["award", "lottery", "voucher"]
    title: str
    description: str


class CardVoucherOut(Schema):
    code: str
    display_code: str
    title: str
    description: str
    expires_at: datetime | None
    benefit: VoucherBenefitOut = Field(
        description="What the voucher gives: a gift handed over, or a percentage or amount the staff member takes off "
        "the bill in the till (the scanner does not see the bill)."
    )


class ScannerCardOut(Schema):
    number: str
    qr: str
    customer_name: str = Field(description="In kiosk mode the first name only.")
    program: ProgramOut
    stamps: int
    goal: int
    milestones: list[MilestoneOut]
    rewards_ready: list[ReadyRewardOut] = Field(description="A lottery here is a draw the customer may spin now.")
    vouchers: list[CardVoucherOut]


class StampIn(RequestSchema):
    scan_id: uuid.UUID = Field(description="Made by the app for this scan; reused on every retry of it.")
    amount: StrictInt | None = Field(
        None, ge=0, le=10**12, description="Minor units; required for per_amount programs, ignored otherwise."
    )


class StampOut(Schema):
    stamps_issued: int
    card: ScannerCardOut
    rewards: list[RewardReachedOut]
    replayed: bool


class HandOverOut(Schema):
    card: ScannerCardOut


class ScanIn(RequestSchema):
    qr: str = Field(max_length=64, description="The card's QR payload, as the camera or barcode scanner read it.")
    scan_id: uuid.UUID = Field(description="Made by the app for this scan; reused on every retry of it.")


class RefusalOut(Schema):
    code: Literal["visit_window", "daily_cap", "voucher_cooldown"]
    message: str = Field(description="Plain words for the guest, in the request's language.")
    retry_at: datetime | None


class ScanOut(Schema):
    stamped: bool
    stamps_issued: int
    refusal: RefusalOut | None
    card: ScannerCardOut
    rewards: list[RewardReachedOut]
    replayed: bool = False


class RedeemIn(RequestSchema):
    card: str | None = Field(default=None, max_length=64, description="The card's QR payload; required in kiosk mode.")


class DrawIn(RequestSchema):
    card: str = Field(max_length=64)


class PrizeOut(Schema):
    kind: Literal["award", "voucher", "extra_try", "nothing"]
    title: str


class ScannerDrawOut(DrawOut):
    prize: PrizeOut


class DrawResultOut(Schema):
    draws: list[ScannerDrawOut]
    card: ScannerCardOut


# --- merchant side (API v1) ----------------------------------------------------------------------------------------


class DeviceStatusOut(DeviceOut):
    last_seen_at: datetime | None
    unpaired_at: datetime | None
    unpaired_by: str | None


class DevicesOut(Schema):
    results: list[DeviceStatusOut]


class RefOut(Schema):
    id: str
    name: str


class AlertOut(Schema):
    id: str
    kind: Literal["repeated_refusals", "unusual_activity"]
    card: str = Field(description="The card's six-digit number.")
    day: date = Field(description="The merchant's calendar day the alert is about.")
    location: RefOut | None
    device: RefOut | None
    details: dict[str, Any]
    created_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None


class AlertsOut(Schema):
    results: list[AlertOut]
