"""Request and response shapes of the campaign routes of API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import Moment, StrictInt


class PartIn(RequestSchema):
    subject: str = Field(
        default="", max_length=500, description="The email subject (one line, at most 150 characters)."
    )
    text: str = Field(max_length=20_000, description="The message text.")


class CampaignIn(RequestSchema):
    name: str = Field(max_length=100)
    audience: dict[str, Any] = Field(
        default_factory=lambda: {"match": "all", "rules": []},
        description='The audience rule: {"match": "all"|"any", "rules": [segments or groups]}; segments are '
        '{"segment": "program", "program": id}, {"segment": "last_location", "location": id}, '
        '{"segment": "stamps_to_goal", "at_most": n}, {"segment": "last_visit", "within_days": n | '
        '"more_than_days": n}, {"segment": "visits", "days": n, "at_least": k}, {"segment": "open_vouchers"}, '
        '{"segment": "birthday_this_month"}, {"segment": "wallet", "platform": "apple"|"google"|"none"}, '
        '{"segment": "language", "language": "en"|"uk"}, {"segment": "consent", "marketing_email": bool}.',
    )
    channels: list[Annotated[str, Field(max_length=16)]] = Field(
        default_factory=lambda: ["email"], max_length=10, description="Channels to send through."
    )
    parts: dict[str, PartIn] = Field(description="The texts per language code (en, uk).")
    voucher_title: str = Field(default="", max_length=100, description="A voucher for each recipient; empty: none.")
    voucher_description: str = Field(default="", max_length=1000)
    voucher_days: StrictInt | None = Field(default=None, ge=1, le=365, description="Days the voucher is valid.")
    holdout_percent: StrictInt = Field(
        default=0, ge=0, le=50, description="Share of the audience held out (no message)."
    )
    results_days: StrictInt = Field(default=14, ge=1, le=90, description="Days after sending that visits count.")


class AudienceIn(RequestSchema):
    audience: dict[str, Any]


class AudienceOut(Schema):
    size: int


class SendIn(RequestSchema):
    at: Moment | None = Field(default=None, description="Send at this time (with a zone); omitted: now.")


class TestSendIn(RequestSchema):
    language: str = Field(default="", max_length=8, description="en or uk; the merchant's language by default.")


class TestSendOut(Schema):
    sent_to: str


class GroupOut(Schema):
    size: int
    opened_card: int
    visited: int
    redeemed: int


class ResultsOut(Schema):
    audience: int
    pending: int
    delivered: int
    failed: int
    skipped: int
    reasons: dict[str, int]
    vouchers_issued: int
    days: int
    recipients: GroupOut | None
    holdout: GroupOut | None
    visited_lift_points: float | None
    redeemed_lift_points: float | None


class CampaignOut(Schema):
    id: str
    name: str
    state: str
    audience: dict[str, Any]
    channels: list[str]
    parts: dict[str, dict[str, str]]
    voucher_title: str
    voucher_days: int | None
    holdout_percent: int
    results_days: int
    scheduled_at: datetime | None
    sent_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    results: ResultsOut | None


class CampaignsOut(Schema):
    results: list[CampaignOut]
