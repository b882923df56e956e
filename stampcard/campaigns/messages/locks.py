"""Claims on deliveries: which sending round sends which delivery now.

As in ``campaigns.webhooks.locks``: a claim is a conditional UPDATE naming the round (``claim_token``) that lasts
``claim_for``. On PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``, so rounds of several workers on one
message take different rows without waiting for each other; on SQLite (one writer at a time) the UPDATE's re-check
that nobody holds the row keeps two rounds apart. A round whose worker died lets its claims lapse, and the sweep
(``tasks.messages_resume``) starts another.
"""

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Q

from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery
from stampcard.cards.models import Program

# PostgreSQL's ``synchronous_commit`` off for the current transaction only: its commit returns once PostgreSQL holds
# it, before its WAL reaches the disk. A worker killed at any moment loses nothing PostgreSQL acknowledged; only a
# crash of PostgreSQL itself (or of its machine) can lose the last such commits, a fraction of a second's worth
# (``wal_writer_delay``), all of them after every commit it kept. For the sender's own bookkeeping that is safe:
# a lost claim lapses anyway; a lost mark leaves its delivery pending, so it is sent again with the same Message-ID,
# as after a worker killed between the server's 250 and the mark; a lost ledger line goes with its ``ledger_noted``
# flag, so the catch-up writes it. Waiting for the disk on every email cost more than the SMTP dialogue itself
# (``bench/fanout_email``). Money, vouchers and consent are never written this way.
ASYNCHRONOUS_COMMIT = "SELECT set_config('synchronous_commit', 'off', true)"


def commit_asynchronously(using: str) -> None:
    """Let the current transaction on ``using`` commit without waiting for the disk (``ASYNCHRONOUS_COMMIT``); a
    no-op outside a transaction and on SQLite (whose WAL commits do not wait for the disk: ``synchronous=NORMAL``)."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(ASYNCHRONOUS_COMMIT)


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def deliveries_claim(*, message_id: Any, now: datetime, claim_for: timedelta, limit: int) -> list[MessageDelivery]:
    """Claim up to ``limit`` due pending deliveries of one message, in id order; returns them with their cards,
    programs, customers and vouchers (their merchant is the message's: the caller sets the one it has). The claim is
    committed on return."""
    token = uuid.uuid4().hex
    due = MessageDelivery.objects.filter(_free(now), _due(now), message_id=message_id, state=DeliveryState.PENDING)
    using = router.db_for_write(MessageDelivery)
    with transaction.atomic(using=using):
        commit_asynchronously(using)
        picked = list(
            due.order_by("pk").select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        due.filter(pk__in=picked).update(claimed_until=now + claim_for, claim_token=token)
    claimed = list(
        MessageDelivery.objects.filter(pk__in=picked, claim_token=token)
        .select_related("customer", "card", "voucher")
        .order_by("pk")
    )
    # A batch's cards share a program or two: each loaded once, not once per card (a program is a wide row).
    programs = Program.objects.in_bulk({delivery.card.program_id for delivery in claimed})
    for delivery in claimed:
        delivery.card.program = programs[delivery.card.program_id]
    return claimed


def deliveries_due_exist(*, message_id: Any, now: datetime) -> bool:
    return MessageDelivery.objects.filter(
        _free(now), _due(now), message_id=message_id, state=DeliveryState.PENDING
    ).exists()


def _field(name: str) -> Field:
    field = MessageDelivery._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field


@functools.lru_cache(maxsize=64)
def _update_sql(using: str, names: tuple[str, ...], attempted: bool, asynchronous: bool) -> str:
    """The UPDATE of ``claimed_update`` for these fields, written once per process."""
    quote = connections[using].ops.quote_name
    assignments = [f"{quote(str(_field(name).column))} = %s" for name in names]
    if attempted:
        attempts = quote(str(_field("attempts").column))
        assignments.append(f"{attempts} = {attempts} + 1")
    key, token, state = (quote(str(_field(name).column)) for name in ("id", "claim_token", "state"))
    # A mark that commits on its own commits without waiting for the disk (``ASYNCHRONOUS_COMMIT``, in the same
    # statement: still one round trip). Inside a caller's transaction the caller's commit decides.
    commit = f" FROM ({ASYNCHRONOUS_COMMIT}) AS asynchronous_commit" if asynchronous else ""
    table = quote(MessageDelivery._meta.db_table)
    return f"UPDATE {table} SET {', '.join(assignments)}{commit} WHERE {key} = %s AND {token} = %s AND {state} = %s"


def claimed_update(*, delivery: MessageDelivery, values: dict[str, Any], attempted: bool = False) -> bool:
    """Write ``values`` (field name to value) on ``delivery``, and count an attempt when ``attempted``, only while it
    is pending under the claim it was taken with; False when the claim lapsed and another round took it.

    One UPDATE, written here rather than by ``QuerySet.update``: it runs once per email sent, and building the query
    through the ORM took ten times what the database took to run it (``bench/fanout_email``). Values go through
    their fields' ``get_db_prep_save`` as the ORM's would."""
    using = router.db_for_write(MessageDelivery)
    connection = connections[using]
    asynchronous = connection.vendor == "postgresql" and not connection.in_atomic_block
    sql = _update_sql(using, tuple(values), attempted, asynchronous)
    params = [_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *params,
                _field("id").get_db_prep_value(delivery.pk, connection),
                delivery.claim_token,
                DeliveryState.PENDING,
            ],
        )
        return cursor.rowcount == 1
