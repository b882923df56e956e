"""Request and response shapes of the webhook endpoints of API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from stampcard.api.schemas import RequestSchema
from stampcard.campaigns.webhooks.events import EVENT_NAMES

EventName = Literal[EVENT_NAMES]  # type: ignore[valid-type]


class EndpointIn(RequestSchema):
    url: str = Field(
        max_length=500,
        description="https://… (http:// and local addresses only where the operator "
        "turned STAMPCARD_WEBHOOKS_ALLOW_HTTP on).",
    )
    events: list[EventName] = Field(min_length=1, max_length=len(EVENT_NAMES), description="Event names to receive.")
    description: str = Field(default="", max_length=100, description="For people, e.g. 'CRM sync'.")
    is_active: bool = True


class EndpointChangeIn(RequestSchema):
    url: str | None = Field(default=None, max_length=500)
    events: list[EventName] | None = Field(default=None, min_length=1, max_length=len(EVENT_NAMES))
    description: str | None = Field(default=None, max_length=100)
    is_active: bool | None = None


class EndpointOut(Schema):
    id: str
    url: str
    description: str
    events: list[str]
    is_active: bool
    created_at: datetime
    secret_rolled_at: datetime | None


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret (whsec_…): keep it on the receiving side.")


class EndpointsOut(Schema):
    results: list[EndpointOut]


class SecretOut(Schema):
    secret: str


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str


class DeliveryOut(Schema):
    id: str = Field(description="The Stampcard-Delivery header: the same on every retry and replay.")
    endpoint_id: str
    event: str
    event_id: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    last_status_code: int | None
    last_error: str
    attempt_list: list[AttemptOut] = Field(default_factory=list, description="Newest first.")


class DeliveriesOut(Schema):
    results: list[DeliveryOut]


class EventTypeOut(Schema):
    name: str
    description: str


class EventTypesOut(Schema):
    results: list[EventTypeOut]
