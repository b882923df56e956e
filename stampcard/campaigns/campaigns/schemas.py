"""Request and response shapes of the campaign routes of API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema


class PartIn(Schema):
    subject: str = Field(default="", description="The email subject (one line, at most 150 characters).")
    text: str = Field(description="The message text.")


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
    channels: list[str] = Field(default_factory=lambda: ["email"], description="Channels to send through.")
    parts: dict[str, PartIn] = Field(description="The texts per language code (en, uk).")
    voucher_title: str = Field(default="", max_length=100, description="A voucher for each recipient; empty: none.")
    voucher_description: str = ""
    voucher_days: int | None = Field(default=None, ge=1, le=365, description="Days the voucher is valid.")
    holdout_percent: int = Field(default=0, ge=0, le=50, description="Share of the audience held out (no message).")
    results_days: int = Field(default=14, ge=1, le=90, description="Days after sending that visits count.")


class AudienceIn(RequestSchema):
    audience: dict[str, Any]


class AudienceOut(Schema):
    size: int


class SendIn(RequestSchema):
    at: datetime | None = Field(default=None, description="Send at this time (with a zone); omitted: now.")


class TestSendIn(RequestSchema):
    language: str = Field(default="", description="en or uk; the merchant's language by default.")


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
