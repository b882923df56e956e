"""Response shapes of the cards app's API v1 routes (the journal)."""

import uuid
from datetime import date, datetime

from ninja import Field, Schema

from stampcard.cards.journal import MAX_PAGE_SIZE, PAGE_SIZE
from stampcard.cards.models import EventKind
from stampcard.merchants.actors import Channel


class JournalQuery(Schema):
    day_from: date | None = Field(None, alias="from", description="First day, in the merchant's time zone.")
    day_to: date | None = Field(None, alias="to", description="Last day (included), in the merchant's time zone.")
    location_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = Field(None, description="A staff login's id: the events it recorded.")
    kind: EventKind | None = None
    channel: Channel | None = Field(None, description="receipt: receipt QR claims; insert: delivery inserts; …")
    customer: str = Field("", max_length=100, description="Card number, QR, email, phone or name.")
    cursor: str | None = Field(None, max_length=20)
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class JournalCardOut(Schema):
    number: str
    program_id: str
    customer_name: str


class JournalEventOut(Schema):
    id: str = Field(..., description="The event's id; also what `cursor` takes to page past it.")
    at: datetime = Field(..., description="When it was recorded, in the merchant's time zone.")
    kind: str = Field(..., description="The ledger kind: stamp, reversal, adjustment, reward_issued, …")
    label: str = Field(..., description="The kind in plain words (receipt and insert stamps say so).")
    summary: str = Field(..., description="What happened in one line: stamps moved, check, outcome, reason.")
    delta: int
    stamps_after: int
    card: JournalCardOut
    channel: str
    staff_id: str | None
    staff: str = Field(..., description="The staff login's name (else its email) or the API key's name.")
    location_id: str | None
    location: str | None
    check: str | None = Field(..., description="The POS check's external id, when the event came with one.")


class JournalOut(Schema):
    results: list[JournalEventOut]
    next_cursor: str | None = Field(..., description="Pass as `cursor` for the next (older) page; null on the last.")
