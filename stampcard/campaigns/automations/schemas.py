"""Request and response shapes of the automation routes of API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from stampcard.api.schemas import RequestSchema
from stampcard.api.types import StrictInt
from stampcard.campaigns.automations.models import AutomationKind
from stampcard.campaigns.messages.models import MessageChannel
from stampcard.core.validity import MAX_DAYS

KIND_NAMES: tuple[str, ...] = tuple(AutomationKind.values)
KindName = Literal[KIND_NAMES]  # type: ignore[valid-type]
# A channel is checked by the service against ``MessageChannel`` as it is (422 ``message_channel_unknown``).
ChannelName = Annotated[str, StringConstraints(max_length=16)]


class AutomationPartIn(RequestSchema):
    subject: str = Field(default="", max_length=1000, description="Email subject (one line).")
    text: str = Field(default="", max_length=100_000)


class AutomationPartOut(Schema):
    subject: str
    text: str


class AutomationVoucherIn(RequestSchema):
    title: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    validity_days: StrictInt | None = Field(
        default=None, ge=1, le=MAX_DAYS, description="Days the voucher is valid; null: no expiry."
    )


class AutomationVoucherOut(Schema):
    title: str
    description: str
    validity_days: int | None


class AutomationChangeIn(RequestSchema):
    """Only the fields given change. ``voucher: null`` stops giving a voucher."""

    is_enabled: bool | None = None
    days: StrictInt | None = Field(default=None, ge=0, le=1000)
    reminder_days: StrictInt | None = Field(default=None, ge=0, le=1000, description="Stamp expiry only.")
    send_hour: StrictInt | None = Field(default=None, ge=0, le=23, description="Hour of the merchant's day, 6–20.")
    channels: list[ChannelName] | None = Field(
        default=None,
        min_length=1,
        max_length=len(MessageChannel.values) + 4,
        description="Ways to send it: " + ", ".join(MessageChannel.values) + ".",
    )
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
