"""Request and response shapes of the automation routes of API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.campaigns.automations.models import AutomationKind
from stampcard.campaigns.messages.models import MessageChannel

KIND_NAMES: tuple[str, ...] = tuple(AutomationKind.values)
# The channels there are when the API starts (``messages.models.MessageChannel``): a new channel is accepted at once.
CHANNEL_NAMES: tuple[str, ...] = tuple(MessageChannel.values)
KindName = Literal[KIND_NAMES]  # type: ignore[valid-type]
ChannelName = Literal[CHANNEL_NAMES]  # type: ignore[valid-type]


class AutomationPartIn(RequestSchema):
    subject: str = Field(default="", max_length=1000, description="Email subject (one line).")
    text: str = Field(default="", max_length=100_000)


class AutomationPartOut(Schema):
    subject: str
    text: str


class AutomationVoucherIn(RequestSchema):
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    validity_days: int | None = Field(default=None, description="Days the voucher is valid; null: no expiry.")


class AutomationVoucherOut(Schema):
    title: str
    description: str
    validity_days: int | None


class AutomationChangeIn(RequestSchema):
    """Only the fields given change. ``voucher: null`` stops giving a voucher."""

    is_enabled: bool | None = None
    days: int | None = Field(default=None, ge=0, le=1000)
    reminder_days: int | None = Field(default=None, ge=0, le=1000, description="Stamp expiry only.")
    send_hour: int | None = Field(default=None, ge=0, le=23, description="Hour of the merchant's day, 6–20.")
    channels: list[ChannelName] | None = Field(default=None, min_length=1)
    parts: dict[str, AutomationPartIn] | None = Field(
        default=None, description='Per language: {"uk": {"subject", "text"}}.'
    )
    voucher: AutomationVoucherIn | None = None


class AutomationOut(Schema):
    program_id: str
    kind: KindName
    description: str
    is_enabled: bool
    enabled_at: datetime | None
    days: int | None = Field(description="What the days mean depends on the kind; null for kinds without days.")
    days_label: str | None
    reminder_days: int | None = Field(description="Stamp expiry only.")
    send_hour: int
    channels: list[str]
    is_marketing: bool = Field(description="Marketing messages go only to customers who agreed to receive them.")
    parts: dict[str, AutomationPartOut]
    voucher: AutomationVoucherOut | None
    fired: int = Field(description="How many times it fired (cards and occasions).")
    updated_at: datetime | None


class AutomationsOut(Schema):
    results: list[AutomationOut]
