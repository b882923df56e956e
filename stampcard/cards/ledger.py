"""Appending to the card ledger. The only code that moves ``Card.stamps``.

Callers hold the card's row lock (``locks.card_lock``) inside their transaction; the event and the card's cached
balance are written together, so the balance equals the ledger sum at every commit.

``ledger_note`` records what happened to a card without moving anything (``INFORMATIONAL_KINDS``: the card issued,
its pass added to or removed from a wallet, a message sent to its holder). These are ledger lines rather than rows
merged into the journal from their own tables (``AppleRegistration``, ``GoogleCallbackEvent``, sent emails) because
the journal pages by the ledger's id and filters by its columns (period, location, staff, kind, customer): a second
source would need its own cursor and filters, and registrations are deleted when a pass is removed, so the history
would be lost. Their delta is 0, so the balance stays the sum of the deltas and a replay
(``journal.card_snapshot_at``) passes over them.
"""

import functools
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connections, router

from stampcard.cards import changes
from stampcard.cards.models import HOLDING_KINDS, INFORMATIONAL_KINDS, Card, CardEvent, Check, EventKind
from stampcard.core import clock, rawsql
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Location


def ledger_append(
    *,
    card: Card,
    kind: EventKind,
    delta: int,
    actor: Actor,
    check: Check | None = None,
    location: Location | None = None,
    reason: str = "",
    lifetime_delta: int = 0,
    **payload: Any,
) -> CardEvent:
    """Record one ledger line and move the card's cached balance with it. ``location`` defaults to the actor's."""
    if card.stamps + delta < 0:
        raise ValueError(f"ledger would take card {card.pk} below zero ({card.stamps} {delta:+d})")
    card.stamps += delta
    card.lifetime_stamps += lifetime_delta
    event = CardEvent(
        merchant_id=card.merchant_id,
        card=card,
        kind=kind,
        delta=delta,
        stamps_after=card.stamps,
        check_ref=check,
        channel=actor.channel,
        actor=actor.user,
        api_key=actor.api_key,
        location=location or actor.location,
        reason=reason,
        payload=payload,
    )
    now = clock.now()
    # Every ledger line changes what the card shows (a balance, a reward, a voucher): the wallets follow changed_at,
    # and a card a wallet holds gets its change recorded for them in this same transaction.
    card.changed_at = now
    if kind == EventKind.STAMP:
        card.last_stamp_at = now
    holding = kind in HOLDING_KINDS
    if holding:
        card.holdings_added += 1
    _insert_and_move(
        event=event,
        card=card,
        delta=delta,
        lifetime_delta=lifetime_delta,
        stamped=kind == EventKind.STAMP,
        holding=holding,
    )
    changes.card_changed(card=card)
    return event


def _insert_and_move(
    *, event: CardEvent, card: Card, delta: int, lifetime_delta: int, stamped: bool, holding: bool
) -> None:
    """Insert the ledger line and move the card (``stamps`` and ``lifetime_stamps`` by the deltas and, for a line of
    ``HOLDING_KINDS``, ``holdings_added`` by one, in the database, never read-modify-write; ``changed_at`` and, for
    a stamp, ``last_stamp_at`` to the card's new values): on
    PostgreSQL in one statement (the line in a data-modifying CTE, the card's UPDATE as the main statement),
    elsewhere in two. Either way both land in the caller's transaction. Both statements are written once per
    process (``core.rawsql``): this runs on every checkout."""
    using = router.db_for_write(CardEvent)
    connection = connections[using]
    move_sql = _move_sql(using, bool(delta), bool(lifetime_delta), stamped, holding)
    changed_at = connection.ops.adapt_datetimefield_value(card.changed_at)
    move_params: list[Any] = [changed_at]
    if delta:
        move_params.append(delta)
    if lifetime_delta:
        move_params.append(lifetime_delta)
    if stamped:
        move_params.append(changed_at)
    move_params.append(card.pk)
    if connection.vendor != "postgresql":
        rawsql.insert_row(event, using)
        with connection.cursor() as cursor:
            cursor.execute(move_sql, move_params)
        return
    pk = rawsql.qn(using, str(CardEvent._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH ledger_line AS ({rawsql.insert_sql(CardEvent, using)}) {move_sql}"
            f" RETURNING (SELECT {pk} FROM ledger_line)",
            (*rawsql.insert_params(event, using), *move_params),
        )
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError(f"card {card.pk} vanished while its ledger line was written")
    rawsql.inserted(event, row[0], using)


@functools.lru_cache(maxsize=32)
def _move_sql(using: str, stamps: bool, lifetime: bool, stamped: bool, holding: bool) -> str:
    q = functools.partial(rawsql.qn, using)
    sets = [f"{q('changed_at')} = %s"]
    if stamps:
        sets.append(f"{q('stamps')} = {q('stamps')} + %s")
    if lifetime:
        sets.append(f"{q('lifetime_stamps')} = {q('lifetime_stamps')} + %s")
    if stamped:
        sets.append(f"{q('last_stamp_at')} = %s")
    if holding:
        sets.append(f"{q('holdings_added')} = {q('holdings_added')} + 1")
    return f"UPDATE {rawsql.table(Card, using)} SET {', '.join(sets)} WHERE {q('id')} = %s"


def ledger_note(
    *, card: Card, kind: EventKind, actor: Actor, location: Location | None = None, reason: str = "", **payload: Any
) -> CardEvent:
    """Record an informational line (delta 0) on ``card``: nothing on the card changes (no balance, no wallet
    update), so the caller needs no lock. ``stamps_after`` is the balance committed at this moment (a stamp
    committing concurrently lands just before or just after the line); ``location`` defaults to the actor's."""
    if kind not in INFORMATIONAL_KINDS:
        raise ValueError(f"{kind} moves the card: use ledger_append")
    stamps = Card.objects.filter(pk=card.pk).values_list("stamps", flat=True).first() or 0
    return CardEvent.objects.create(
        merchant_id=card.merchant_id,
        card_id=card.pk,
        kind=kind,
        delta=0,
        stamps_after=stamps,
        channel=actor.channel,
        actor=actor.user,
        api_key=actor.api_key,
        location=location or actor.location,
        reason=reason,
        payload=payload,
    )


class NoteLine(NamedTuple):
    """One line of ``ledger_notes``: the card, the payload, and when it happened (``None``: now)."""

    card_id: int
    payload: dict[str, Any]
    at: datetime | None = None


def ledger_notes(
    *, kind: EventKind, actor: Actor, lines: list[NoteLine], location: Location | None = None
) -> list[CardEvent]:
    """``ledger_note`` for many cards at once: one informational line per ``NoteLine``, dated when it happened (a
    line written after the fact, e.g. a batch of sent messages recorded after the batch, keeps its own time), in one
    read of the cards' balances and one INSERT. Same contract as ``ledger_note``; the caller decides that each line
    is due once (its own transaction and flag)."""
    if kind not in INFORMATIONAL_KINDS:
        raise ValueError(f"{kind} moves the card: use ledger_append")
    if not lines:
        return []
    cards = {
        pk: (merchant_id, stamps)
        for pk, merchant_id, stamps in Card.objects.filter(pk__in={line.card_id for line in lines}).values_list(
            "pk", "merchant_id", "stamps"
        )
    }
    now = clock.now()
    events = [
        CardEvent(
            merchant_id=cards[line.card_id][0],
            card_id=line.card_id,
            kind=kind,
            delta=0,
            stamps_after=cards[line.card_id][1],
            channel=actor.channel,
            actor=actor.user,
            api_key=actor.api_key,
            location=location or actor.location,
            payload=line.payload,
            created_at=line.at or now,
        )
        for line in lines
        if line.card_id in cards
    ]
    # One statement written once per size (``rawsql``): the ORM's bulk_create compiled it for each batch, which
    # cost more than inserting it.
    rawsql.insert_rows(events, router.db_for_write(CardEvent), given=frozenset({"created_at"}))
    return events
