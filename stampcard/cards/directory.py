"""The merchant's customer directory: one row per card (a customer with cards of two programs has two rows).

A row is a card because what staff look for (card number, progress, last visit, wallet) is a card's; and because a
card's last visit is a column, the list can be read in pages by an index at any size. Pages follow a keyset
(``cursor``), never an OFFSET, ordered by last visit (a card never stamped counts from its creation) newest first,
the card id breaking ties, so a page costs the same at row 20 and at row 1,000,000.

Lives under cards, not customers: the rows are cards, and ``customers`` sits below ``cards`` in the layers.
"""

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.db.models.functions import Coalesce

from stampcard.cards.models import Card, CardEvent, EventKind
from stampcard.cards.selectors import customer_email_is, customer_phone_is
from stampcard.core.codes import looks_like_card_number, looks_like_card_qr
from stampcard.core.errors import NotFound, ValidationFailed
from stampcard.core.text import fold
from stampcard.merchants.models import Merchant

PAGE_SIZE = 25
WALLETS = ("apple", "google", "none")
CONSENTS = ("yes", "no")


@dataclass(frozen=True)
class DirectoryFilters:
    """What narrows the directory; empty values narrow nothing."""

    q: str = ""
    program_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None  # cards stamped at least once at this location
    wallet: str = ""  # "apple" | "google" | "none"
    consent: str = ""  # marketing email consent: "yes" | "no"
    # A location-limited staff member's customers: cards with a ledger line at one of these locations (stamped,
    # issued, redeemed… there). None: every card of the merchant.
    within: frozenset[uuid.UUID] | None = None


@dataclass
class DirectoryPage:
    cards: list[Card]
    next_cursor: str | None
    visits: dict[int, int] = field(default_factory=dict)  # card id -> stamp events (a visit that earned stamps)


def cursor_encode(card: Card) -> str:
    raw = f"{card.last_visit_at.isoformat()}|{card.pk}"  # type: ignore[attr-defined]
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    """The (last visit, card id) a page starts after. Raises ValidationFailed ``invalid_cursor`` for anything a
    previous page did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, card_id = raw.split("|")
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise ValueError(moment)
        return at, int(card_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(code="invalid_cursor", field="cursor") from None


def _search(query: str, *, merchant: Merchant) -> Q:
    """Card number or QR, email, phone (or its tail), or every word of a name, accent- and case-insensitively."""
    if looks_like_card_number(query):
        return Q(number=query)
    if looks_like_card_qr(query):
        return Q(qr_payload=query.upper())
    if "@" in query:
        return customer_email_is(merchant=merchant, email=query.lower())
    digits = query.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if digits.lstrip("+").isdigit() and len(digits) >= 4:
        return customer_phone_is(merchant=merchant, digits=digits)
    condition = Q()
    for word in fold(query).split():
        condition &= Q(customer__name_folded__contains=word)
    return condition


def directory_queryset(*, merchant: Merchant, filters: DirectoryFilters, using: str | None = None) -> "QuerySet[Card]":
    """The merchant's cards matching ``filters``, newest visit first, with what a row shows joined in; read from the
    database ``using`` (the primary when None; an export passes the replica's alias)."""
    # Cards closed by a merge of duplicates are not customers any more: their survivor stands for them.
    qs = Card.objects.filter(merchant=merchant, merged_into__isnull=True).annotate(
        last_visit_at=Coalesce("last_stamp_at", "created_at")
    )
    query = " ".join((filters.q or "").split())
    if query:
        qs = qs.filter(_search(query, merchant=merchant))
    if filters.program_id:
        qs = qs.filter(program_id=filters.program_id)
    if filters.location_id:
        stamped_there = CardEvent.objects.filter(
            card_id=OuterRef("pk"), kind=EventKind.STAMP, location_id=filters.location_id
        )
        qs = qs.filter(Exists(stamped_there))
    if filters.within is not None:
        qs = qs.filter(seen_at(filters.within))
    # Apple: a device registered for the pass's updates (a downloaded pass may never have been added);
    # Google: the card's object exists (made when the customer saves it).
    on_apple = Card.objects.filter(merchant=merchant, apple_pass__registrations__isnull=False).values("pk")
    if filters.wallet == "apple":
        qs = qs.filter(pk__in=on_apple)
    elif filters.wallet == "google":
        qs = qs.filter(google_object__isnull=False)
    elif filters.wallet == "none":
        qs = qs.exclude(pk__in=on_apple).filter(google_object__isnull=True)
    if filters.consent in CONSENTS:
        qs = qs.filter(customer__marketing_email_consent=filters.consent == "yes")
    return qs.select_related("customer", "program", "program_version").order_by("-last_visit_at", "-pk").using(using)


def directory_page(
    *,
    merchant: Merchant,
    filters: DirectoryFilters,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    using: str | None = None,
) -> DirectoryPage:
    """One page of the directory after ``cursor`` (the first page without one), in a fixed number of queries, read
    from the database ``using`` (the primary when None)."""
    qs = directory_queryset(merchant=merchant, filters=filters, using=using)
    if cursor:
        qs = after_cursor(qs, cursor)
    cards = list(qs[: size + 1])
    more = len(cards) > size
    cards = cards[:size]
    return DirectoryPage(
        cards=cards,
        next_cursor=cursor_encode(cards[-1]) if more else None,
        visits=visits_by_card(cards=cards, using=using),
    )


def after_cursor(qs: "QuerySet[Card]", cursor: str) -> "QuerySet[Card]":
    """The rows of ``directory_queryset`` after ``cursor``: ``(last visit, id) < (at, card id)`` as one row-value
    comparison, which the directory index takes as where to start (``a < x OR (a = x AND b < y)`` would only filter
    the rows it walks from the top, so page n would cost n pages). Raises ValidationFailed ``invalid_cursor``."""
    at, card_id = cursor_decode(cursor)
    return qs.filter(TupleLessThan(Tuple(F("last_visit_at"), F("pk")), (at, card_id)))


def visits_by_card(*, cards: list[Card], using: str | None = None) -> dict[int, int]:
    """Visits that earned stamps, per card, in one query."""
    by_card = {card.pk: 0 for card in cards}
    if by_card:
        counted = (
            CardEvent.objects.using(using)
            .filter(card_id__in=by_card, kind=EventKind.STAMP)
            .values("card_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in counted:
            by_card[row["card_id"]] = row["n"]
    return by_card


def seen_at(location_ids: frozenset[uuid.UUID], *, card: str = "pk") -> Exists:
    """Whether the card (``card``: the path to its id from the query's model) has a ledger line at one of
    ``location_ids``: the test that makes a card one of a location-limited staff member's."""
    return Exists(CardEvent.objects.filter(card_id=OuterRef(card), location_id__in=location_ids))


def customer_cards(
    *, merchant: Merchant, customer_id: str | uuid.UUID, within: frozenset[uuid.UUID] | None = None
) -> list[Card]:
    """Every card of one customer of this merchant, oldest first; with ``within``, only when one of the cards was
    seen at those locations (``seen_at``). Raises NotFound ``customer_not_found`` for a malformed id, an unknown
    one, another merchant's and (``within``) another location's alike."""
    try:
        pk = uuid.UUID(str(customer_id))
    except ValueError:
        raise NotFound(code="customer_not_found") from None
    cards = list(
        Card.objects.filter(merchant=merchant, customer_id=pk)
        .select_related("customer", "program", "program_version")
        .order_by("created_at", "pk")
    )
    if not cards:
        raise NotFound(code="customer_not_found")
    if within is not None and not Card.objects.filter(pk__in=[c.pk for c in cards]).filter(seen_at(within)).exists():
        raise NotFound(code="customer_not_found")
    return cards


def timeline_queryset(*, cards: list[Card], before: int | None = None) -> QuerySet[CardEvent]:
    """The lines of ``timeline_page``, newest first."""
    # The cards first, then their lines: an OR across the join to the card read the whole ledger at 20 million
    # lines (9 s), where this finds the few cards by their indexes and their lines by the card's history index.
    ids = [card.pk for card in cards]
    with_merged = Card.objects.filter(Q(pk__in=ids) | Q(merged_into__in=ids)).values("pk")
    qs = CardEvent.objects.filter(card__in=with_merged).select_related("actor", "location", "card__program")
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return qs.order_by("-pk")


def timeline_page(
    *, cards: list[Card], before: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[CardEvent], int | None]:
    """The ledger of ``cards`` and of the cards merged into them (duplicate customers merged), newest first,
    ``size`` lines after the line ``before`` (an event id), and the id the next page starts before (None on the last
    page)."""
    events = list(timeline_queryset(cards=cards, before=before)[: size + 1])
    more = len(events) > size
    events = events[:size]
    return events, (events[-1].pk if more else None)


def card_goal(card: Card) -> int:
    """The stamps of the last milestone of the card's round: what its progress counts towards."""
    return int(card.rules.milestone_list()[-1]["at"])
