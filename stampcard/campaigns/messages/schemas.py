"""Response shapes of the messages routes of API v1. Fields may be added, never removed."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

MessageStateName = Literal["draft", "sending", "done", "cancelled"]
DeliveryStateName = Literal["pending", "sent", "failed", "skipped"]


class MessageCountsOut(Schema):
    total: int
    pending: int
    sent: int
    failed: int
    skipped: int
    reasons: dict[str, int] = Field(
        description="Finished deliveries per reason code: why they were skipped or failed (e.g. no_consent, "
        "bounced, wallet_pass_missing), and sent_silently for wallet messages put on a Google pass without a "
        "notification."
    )


class MessagePartOut(Schema):
    subject: str
    text: str
    html: str
    wallet: str = Field(description="The wallet text when it differs from the text; empty: the text is used.")


class MessageOut(Schema):
    id: str
    state: MessageStateName
    channels: list[Literal["email", "wallet"]]
    source: str = Field(description="What made it: campaign, automation, test…")
    is_marketing: bool
    template_key: str
    parts: dict[str, MessagePartOut] = Field(description="Per language code (en, uk).")
    created_at: datetime
    queued_at: datetime | None
    finished_at: datetime | None
    counts: MessageCountsOut


class MessagesOut(Schema):
    results: list[MessageOut]


class MessageDeliveryOut(Schema):
    id: int
    channel: Literal["email", "wallet"]
    card: str = Field(description="The card's six-digit number.")
    customer_id: str
    state: DeliveryStateName
    reason: str = Field(description="A stable code (see counts.reasons), empty when there is nothing to say.")
    reason_text: str = Field(description="The reason for people, in the request's language.")
    attempts: int
    next_attempt_at: datetime | None
    address: str = Field(description="The email address it went to (email deliveries).")
    language: str
    wallets: dict[str, str] = Field(description='Wallet deliveries: what each wallet answered, e.g. {"apple": "sent"}.')
    sent_at: datetime | None
    finished_at: datetime | None
    last_error: str


class MessageWithDeliveriesOut(MessageOut):
    deliveries: list[MessageDeliveryOut] = Field(description="A page of its deliveries (limit, offset), oldest first.")
