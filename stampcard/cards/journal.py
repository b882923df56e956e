"""The journal: one merchant's card ledger as a stream, newest first, filtered and paged by keyset.

Every card event lives in the ledger (``CardEvent``): the card issued, its pass added to or removed from a wallet,
stamps and reversals from every channel (receipt claims and delivery inserts carry their own channel), adjustments,
rewards issued, withdrawn and handed over, vouchers issued, redeemed, expired and cancelled, lottery draws, moves to a
program's new rules and messages sent to the holder. The informational ones have delta 0 (``cards.ledger.ledger_note``
says why they are ledger lines and not rows merged in from their own tables). The panel and API v1 read it
through ``journal_page`` so both page and filter the same way.

Pages are cut by the event id (``id < cursor``), never by OFFSET: a page costs the same at the first line and at the
twenty-millionth, and a line recorded while someone pages does not shift the next page.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from stampcard.cards.directory import seen_at
from stampcard.cards.models import CardEvent, EventKind
from stampcard.cards.selectors import card_identify
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Merchant

PAGE_SIZE = 50
# What an informational line's payload names, in words.
WALLETS = {"apple": _lazy("Apple Wallet"), "google": _lazy("Google Wallet")}
MESSAGES = {
    "card_link": _lazy("the card link, by email"),
    "data_rights_code": _lazy("a code to confirm a data request, by email"),
    # Sent by stampcard.campaigns.messages (the message's source): the channel is in the line's payload.
    "campaign": _lazy("a campaign message"),
    "automation": _lazy("an automated message"),
    "test": _lazy("a test message"),
    "message": _lazy("a message"),
}
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class JournalFilters:
    """What the journal is narrowed to. Days are the merchant's local days, both ends included."""

    day_from: date | None = None
    day_to: date | None = None
    location_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    kind: EventKind | None = None
    # Where it came from: receipt QR claims and delivery inserts are stamps of their own channel.
    channel: Channel | None = None
    # A card number, a QR payload, an email, a phone or a name: what a cashier's search takes.
    customer: str = ""
    # What a location-limited staff member sees: events at these locations, and events at no location (the panel,
    # the customer's own pages, wallets) of cards seen at them. None: the whole merchant.
    within: frozenset[uuid.UUID] | None = None


@dataclass(frozen=True)
class JournalPage:
    events: list[CardEvent]
    # The cursor of the next (older) page; None on the last page.
    next_cursor: str | None
    filters: JournalFilters = field(default_factory=JournalFilters)


def cursor_parse(cursor: str | None) -> int | None:
    """The event id a cursor stands for. Raises ValidationFailed(invalid_cursor) for anything not ours."""
    if not cursor:
        return None
    if not cursor.isdigit() or len(cursor) > 19:
        raise ValidationFailed(
            _("This page link is broken or out of date; start again from the newest events."),
            code="invalid_cursor",
            field="cursor",
        )
    return int(cursor)


def local_day_bounds(*, merchant: Merchant, day: date) -> tuple[datetime, datetime]:
    """The instants a local day of the merchant starts and ends at (DST days are 23 or 25 hours long)."""
    tz = merchant.tz
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def journal_queryset(*, merchant: Merchant, filters: JournalFilters, using: str | None = None) -> "QuerySet[CardEvent]":
    """The merchant's events matching ``filters``, newest first, with everything a journal line shows joined in; read
    from the database ``using`` (the primary when None; an export passes the replica's alias). A customer filter is
    resolved to its cards on the primary first (``card_identify``, the till's own lookup)."""
    qs = CardEvent.objects.filter(merchant=merchant)
    if filters.day_from:
        qs = qs.filter(created_at__gte=local_day_bounds(merchant=merchant, day=filters.day_from)[0])
    if filters.day_to:
        qs = qs.filter(created_at__lt=local_day_bounds(merchant=merchant, day=filters.day_to)[1])
    if filters.location_id:
        qs = qs.filter(location_id=filters.location_id)
    if filters.actor_id:
        qs = qs.filter(actor_id=filters.actor_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.customer.strip():
        cards = card_identify(merchant=merchant, query=filters.customer)
        qs = qs.filter(card_id__in=[card.pk for card in cards])
    if filters.within is not None:
        qs = qs.filter(_within(filters.within))
    return (
        qs.select_related("card__customer", "card__program", "actor", "api_key", "location", "check_ref")
        .order_by("-id")
        .using(using)
    )


def _within(location_ids: frozenset[uuid.UUID]) -> Q:
    return Q(location_id__in=location_ids) | Q(Q(location__isnull=True), seen_at(location_ids, card="card_id"))


def journal_page(
    *,
    merchant: Merchant,
    filters: JournalFilters,
    cursor: str | None = None,
    limit: int | None = None,
    using: str | None = None,
) -> JournalPage:
    """One page of the journal, older than ``cursor`` (from the newest when None): one query, whatever its length,
    read from the database ``using`` (the primary when None).

    Raises ValidationFailed for a bad cursor or a too-short customer search.
    """
    limit = max(1, min(limit or PAGE_SIZE, MAX_PAGE_SIZE))
    before = cursor_parse(cursor)
    qs = journal_queryset(merchant=merchant, filters=filters, using=using)
    if before is not None:
        qs = qs.filter(id__lt=before)
    events = list(qs[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    return JournalPage(events=events, next_cursor=str(events[-1].pk) if more else None, filters=filters)


def journal_event_get(*, merchant: Merchant, event_id: int, within: frozenset[uuid.UUID] | None = None) -> CardEvent:
    """One event of this merchant's ledger; NotFound for another merchant's (and, with ``within``, for one a
    location-limited staff member does not see in the journal)."""
    events = CardEvent.objects.filter(merchant=merchant, pk=event_id)
    if within is not None:
        events = events.filter(_within(within))
    event = events.select_related(
        "card__customer", "card__program", "card__program_version", "location", "actor"
    ).first()
    if event is None:
        raise NotFound(code="event_not_found")
    return event


def event_kind_label(event: CardEvent) -> str:
    """The kind in plain words; stamps from a receipt QR or a delivery insert say where they came from."""
    if event.kind == EventKind.STAMP and event.channel == Channel.RECEIPT:
        return str(_("Receipt claim collected"))
    if event.kind == EventKind.STAMP and event.channel == Channel.INSERT:
        return str(_("Insert claimed"))
    try:
        return str(EventKind(event.kind).label)
    except ValueError:  # a kind recorded by a newer release
        return event.kind


def event_details(event: CardEvent) -> str:
    """What happened, in one line: stamps moved and the balance after, the check, the draw's outcome, the reason."""
    parts = []
    if event.delta:
        parts.append(
            ngettext(
                "%(delta)+d stamp, %(after)d on the card", "%(delta)+d stamps, %(after)d on the card", abs(event.delta)
            )
            % {"delta": event.delta, "after": event.stamps_after}
        )
    if event.check_ref is not None:  # no query when the line has no check
        parts.append(_("check %(ref)s") % {"ref": event.check_ref.external_id})
    payload = event.payload or {}
    if event.kind == EventKind.LOTTERY_DRAW and payload.get("variant_name"):
        parts.append(_("outcome: %(name)s") % {"name": payload["variant_name"]})
    if event.kind in (EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED):
        parts.append(str(WALLETS.get(payload.get("wallet", ""), _("a wallet"))))
    if event.kind == EventKind.MESSAGE_SENT:
        parts.append(str(MESSAGES.get(payload.get("message", ""), _("a message"))))
    if event.kind == EventKind.REFERRAL_BONUS:
        parts.append(
            _("for inviting a friend") if payload.get("role") == "referrer" else _("for joining through a friend")
        )
    if event.kind == EventKind.CARD_ISSUED and payload.get("program"):
        parts.append(_("card “%(program)s”") % {"program": payload["program"]})
    if event.reason:
        parts.append(event.reason)
    return "; ".join(str(part) for part in parts)


def event_staff(event: CardEvent) -> str:
    """Who recorded the event: the staff login (its name, else its email), else the API key's name."""
    if event.actor is not None:
        return event.actor.full_name or event.actor.email
    if event.api_key is not None:
        return event.api_key.name
    return ""


@dataclass(frozen=True)
class CardSnapshot:
    """A card as the ledger had it right after one event: what its holder saw then."""

    event: CardEvent
    stamps: int
    # Rewards issued and not yet handed over or withdrawn; vouchers issued into the card and still open.
    reward_ids: list[str]
    voucher_ids: list[str]


_REWARD_CLOSED = (EventKind.REWARD_HANDED_OVER, EventKind.REWARD_WITHDRAWN)
_VOUCHER_CLOSED = (EventKind.VOUCHER_REDEEMED, EventKind.VOUCHER_CANCELLED, EventKind.VOUCHER_EXPIRED)


def card_snapshot_at(*, event: CardEvent) -> CardSnapshot:
    """Replay the card's ledger up to and including ``event``: the balance is the sum of its deltas, the open rewards
    and vouchers those issued and not closed by a later line. One query (the card's history index).

    Informational lines (delta 0) change nothing in the replay. "Card issued" is the empty card whatever its id: a
    line backfilled for a card issued before the journal recorded it comes after the card's other lines.
    """
    if event.kind == EventKind.CARD_ISSUED:
        return CardSnapshot(event=event, stamps=0, reward_ids=[], voucher_ids=[])
    stamps = 0
    rewards: dict[str, None] = {}
    vouchers: dict[str, None] = {}
    lines = CardEvent.objects.filter(card_id=event.card_id, id__lte=event.pk).order_by("id")
    for kind, delta, payload in lines.values_list("kind", "delta", "payload"):
        stamps += delta
        payload = payload or {}
        reward_id, voucher_id = payload.get("reward_id"), payload.get("voucher_id")
        if kind == EventKind.REWARD_ISSUED and reward_id:
            rewards[reward_id] = None
        elif kind in _REWARD_CLOSED and reward_id:
            rewards.pop(reward_id, None)
        if kind == EventKind.VOUCHER_ISSUED and voucher_id:
            vouchers[voucher_id] = None
        elif kind in _VOUCHER_CLOSED and voucher_id:
            vouchers.pop(voucher_id, None)
    return CardSnapshot(event=event, stamps=stamps, reward_ids=list(rewards), voucher_ids=list(vouchers))
