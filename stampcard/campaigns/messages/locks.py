"""Claims on deliveries: which sending round sends which delivery now.

As in ``campaigns.webhooks.locks``: a claim is a conditional UPDATE naming the round (``claim_token``) that lasts
``claim_for``. On PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``, so rounds of several workers on one
message take different rows without waiting for each other; on SQLite (one writer at a time) the UPDATE's re-check
that nobody holds the row keeps two rounds apart. A round whose worker died lets its claims lapse, and the sweep
(``tasks.messages_resume``) starts another.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Q

from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery
from stampcard.cards.models import Program


def _free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def deliveries_claim(*, message_id: Any, now: datetime, claim_for: timedelta, limit: int) -> list[MessageDelivery]:
    """Claim up to ``limit`` due pending deliveries of one message, in id order; returns them with their cards,
    programs and customers (their merchant is the message's: the caller sets the one it has). The claim is committed
    on return."""
    token = uuid.uuid4().hex
    due = MessageDelivery.objects.filter(_free(now), _due(now), message_id=message_id, state=DeliveryState.PENDING)
    with transaction.atomic():
        picked = list(
            due.order_by("pk").select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)[:limit]
        )
        if not picked:
            return []
        due.filter(pk__in=picked).update(claimed_until=now + claim_for, claim_token=token)
    claimed = list(
        MessageDelivery.objects.filter(pk__in=picked, claim_token=token)
        .select_related("customer", "card")
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


def _field(name: str) -> tuple[Field, str]:
    field = MessageDelivery._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field, field.column


def claimed_update(*, delivery: MessageDelivery, values: dict[str, Any], attempted: bool = False) -> bool:
    """Write ``values`` (field name to value) on ``delivery``, and count an attempt when ``attempted``, only while it
    is pending under the claim it was taken with; False when the claim lapsed and another round took it.

    One UPDATE, written here rather than by ``QuerySet.update``: it runs once per email sent, and building the query
    through the ORM took ten times what the database took to run it (``bench/fanout_email``). Values go through
    their fields' ``get_db_prep_save`` as the ORM's would."""
    connection = connections[router.db_for_write(MessageDelivery)]
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in values.items():
        field, column = _field(name)
        assignments.append(f"{quote(column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    if attempted:
        attempts = quote(_field("attempts")[1])
        assignments.append(f"{attempts} = {attempts} + 1")
    key, token, state = (quote(_field(name)[1]) for name in ("id", "claim_token", "state"))
    table = quote(MessageDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE {key} = %s AND {token} = %s AND {state} = %s",
            [
                *params,
                _field("id")[0].get_db_prep_value(delivery.pk, connection),
                delivery.claim_token,
                DeliveryState.PENDING,
            ],
        )
        return cursor.rowcount == 1
