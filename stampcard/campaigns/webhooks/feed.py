"""The webhook feed: turns what the layers below recorded into deliveries, one per (subscribed endpoint, event).

Nothing below campaigns calls up here (the layers run one way). The worker reads forward from stored cursors
(``WebhookCursor``), by primary key, like the scanner's unusual-activity scan:

the card ledger (``CardEvent``), whose kinds map to events in ``events.LEDGER_EVENTS``: every channel that writes
the ledger is covered without a hook in any of them, a new card (``card_issued``) and a pass added to either wallet
(``pass_installed``, with the wallet in its payload) included.

Rows younger than ``SETTLE`` are left for the next run, since a transaction that took a lower id may still be
committing. A run holds its cursor's row lock, so runs from several workers queue instead of reading twice; and a
delivery is unique per (endpoint, event key), so a run repeated after a crash makes nothing twice. An endpoint gets
only events that happened after it was registered; the first run of a cursor starts at the oldest endpoint's
registration.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model

from stampcard.campaigns.webhooks import events
from stampcard.campaigns.webhooks.models import WebhookCursor, WebhookDelivery, WebhookEndpoint
from stampcard.cards.models import Card, CardEvent
from stampcard.core import clock
from stampcard.rewards.models import Reward
from stampcard.vouchers.models import Voucher

SETTLE = timedelta(minutes=1)
BATCH = 2000
MAX_BATCHES = 25
LEDGER_CURSOR = "webhooks.ledger"
EVENT_NAMESPACE = uuid.UUID("5b0e6c55-7d2f-4b8e-9f5e-2f4b1c0d9a11")


@dataclass
class FeedReport:
    read: int = 0  # source rows read
    deliveries: int = 0  # deliveries made

    def as_dict(self) -> dict[str, int]:
        return {"read": self.read, "deliveries": self.deliveries}


@dataclass(frozen=True)
class Occurrence:
    """One event about to be delivered: its name, what it came from, when, for which merchant, and its data."""

    name: str
    key: str
    merchant_id: Any
    at: datetime
    data: dict[str, Any]

    @property
    def event_id(self) -> uuid.UUID:
        return uuid.uuid5(EVENT_NAMESPACE, self.key)

    def body(self) -> str:
        document = {
            "id": str(self.event_id),
            "type": self.name,
            "created_at": self.at,
            "merchant_id": str(self.merchant_id),
            "data": self.data,
        }
        return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliveries_make(occurrences: list[Occurrence], *, now: datetime) -> int:
    """Make the deliveries of these events to every active endpoint of their merchant that chose them and existed
    when they happened. Idempotent (unique per endpoint and event key)."""
    merchant_ids = {occurrence.merchant_id for occurrence in occurrences}
    if not merchant_ids:
        return 0
    endpoints: dict[Any, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(merchant_id__in=merchant_ids, is_active=True):
        endpoints.setdefault(endpoint.merchant_id, []).append(endpoint)
    rows = []
    for occurrence in occurrences:
        for endpoint in endpoints.get(occurrence.merchant_id, []):
            if endpoint.receives(occurrence.name) and endpoint.created_at <= occurrence.at:
                rows.append(
                    WebhookDelivery(
                        merchant_id=occurrence.merchant_id,
                        endpoint=endpoint,
                        event=occurrence.name,
                        event_key=occurrence.key,
                        event_id=occurrence.event_id,
                        body=occurrence.body(),
                        window_started_at=now,
                        next_attempt_at=now,
                    )
                )
    if not rows:
        return 0
    # Made before (a run repeated after a crash, an event emitted twice): left out of the count. The unique index
    # settles a race with another run.
    made = set(
        WebhookDelivery.objects.filter(
            endpoint_id__in={row.endpoint_id for row in rows}, event_key__in={row.event_key for row in rows}
        ).values_list("endpoint_id", "event_key")
    )
    rows = [row for row in rows if (row.endpoint_id, row.event_key) not in made]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def feed_run(*, now: datetime | None = None, batch: int = BATCH) -> FeedReport:
    """Read the ledger (and new cards) forward from the cursors and make the deliveries they call for. ``now``
    decides which rows are settled; the deliveries are due at once."""
    now = now or clock.now()
    report = FeedReport()
    listening = set(WebhookEndpoint.objects.filter(is_active=True).values_list("merchant_id", flat=True).distinct())
    scans: list[tuple[str, type[Model], Any]] = [(LEDGER_CURSOR, CardEvent, _ledger_occurrences)]
    for name, model, occurrences_of in scans:
        # Batch after batch (each its own transaction) until caught up, or for at most MAX_BATCHES a run.
        for _round in range(MAX_BATCHES):
            if _scan(name, model, occurrences_of, listening=listening, now=now, batch=batch, report=report) < batch:
                break
    return report


def _scan(
    name: str,
    model: type[Model],
    occurrences_of: Any,
    *,
    listening: set[Any],
    now: datetime,
    batch: int,
    report: FeedReport,
) -> int:
    """Read one batch of ``model`` forward from the cursor ``name``; returns the rows read. Only rows of
    ``listening`` merchants (those with an active endpoint) are turned into events, the others are passed over."""
    with transaction.atomic():
        cursor, created = WebhookCursor.objects.select_for_update().get_or_create(name=name)
        if created:
            cursor.last_id = _start(model)
        ids = list(
            model.objects.filter(pk__gt=cursor.last_id)  # type: ignore[attr-defined]
            .order_by("pk")
            .values_list("pk", "created_at")[:batch]
        )
        settled = [pk for pk, at in _until_unsettled(ids, now=now)]
        if settled:
            found = occurrences_of(settled, listening) if listening else []
            report.read += len(settled)
            report.deliveries += deliveries_make(found, now=clock.now())
            cursor.last_id = settled[-1]
        cursor.updated_at = now
        cursor.save()
    return len(settled)


def _start(model: type[Model]) -> int:
    """Where a new cursor starts: at the first row since the oldest endpoint was registered (no endpoint gets
    anything older), or at the end when there is none yet."""
    rows = model.objects.order_by("pk")  # type: ignore[attr-defined]
    oldest = WebhookEndpoint.objects.order_by("created_at").values_list("created_at", flat=True).first()
    first = rows.filter(created_at__gte=oldest).values_list("pk", flat=True).first() if oldest else None
    if first is not None:
        return int(first) - 1
    return rows.reverse().values_list("pk", flat=True).first() or 0


def _until_unsettled(rows: list[tuple[int, datetime]], *, now: datetime) -> list[tuple[int, datetime]]:
    for index, (_pk, at) in enumerate(rows):
        if at >= now - SETTLE:
            return rows[:index]
    return rows


# --- payloads -----------------------------------------------------------------------------------------------------


def card_data(card: Card) -> dict[str, Any]:
    customer = card.customer
    return {
        "card": {
            "number": card.number,
            "program_id": str(card.program_id),
            "stamps": card.stamps,
            "goal": card.rules.goal,
            "lifetime_stamps": card.lifetime_stamps,
        },
        "customer": {"id": str(customer.pk), "name": customer.name, "email": customer.email or None},
    }


def _ledger_occurrences(ids: list[int], merchants: set[Any]) -> list[Occurrence]:
    rows = list(
        CardEvent.objects.filter(pk__in=ids, merchant_id__in=merchants)
        .select_related("card__customer", "card__program", "card__program_version", "check_ref", "location")
        .order_by("pk")
    )
    named = [(row, names) for row in rows if (names := events.events_of(row))]
    reward_ids = {row.payload.get("reward_id") for row, _names in named} - {None}
    voucher_ids = {row.payload.get("voucher_id") for row, _names in named} - {None}
    rewards = Reward.objects.in_bulk(list(reward_ids)) if reward_ids else {}
    vouchers = Voucher.objects.in_bulk(list(voucher_ids)) if voucher_ids else {}
    found = []
    for row, names in named:
        data = _ledger_data(row, rewards=rewards, vouchers=vouchers)
        for name in names:
            found.append(
                Occurrence(
                    name=name, key=f"ledger:{row.pk}:{name}", merchant_id=row.merchant_id, at=row.created_at, data=data
                )
            )
    return found


def _ledger_data(row: CardEvent, *, rewards: dict[Any, Reward], vouchers: dict[Any, Voucher]) -> dict[str, Any]:
    data = card_data(row.card)
    data["card"]["stamps"] = row.stamps_after  # as the event left it, not as the card is by the time of the scan
    data["channel"] = row.channel
    data["location"] = {"id": str(row.location.pk), "name": row.location.name} if row.location else None
    if row.check_ref is not None:
        check = row.check_ref
        data["check"] = {"external_id": check.external_id, "total": check.total, "currency": check.currency}
        if row.kind == "reversal" and check.reversal_kind:
            data["check"]["reversal"] = check.reversal_kind
    if row.kind == "pass_installed":
        data["wallet"] = row.payload.get("wallet")
    if row.kind == "stamp":
        data["stamps_added"] = row.delta
    elif row.kind == "reversal":
        data["stamps_removed"] = -row.delta
    payload = row.payload
    reward = rewards.get(_uuid(payload.get("reward_id")))
    if reward is not None:
        data["reward"] = {"id": str(reward.pk), "kind": reward.kind, "title": reward.title}
        if "milestone" in payload:
            data["milestone"] = payload["milestone"]
    voucher = vouchers.get(_uuid(payload.get("voucher_id")))
    if voucher is not None:
        data["voucher"] = {
            "id": str(voucher.pk),
            "code": voucher.code,
            "title": voucher.title,
            "state": voucher.state,
            "expires_at": voucher.expires_at,
        }
    if row.kind == "lottery_draw":
        data["draw"] = {
            "id": payload.get("draw_id"),
            "lottery_id": payload.get("lottery_id"),
            "outcome": payload.get("outcome"),
            "prize": payload.get("variant_name"),
        }
    return data


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
