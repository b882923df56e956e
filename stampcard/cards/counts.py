"""The count of a program's open cards, kept beside them (``CardCount``) so that totals are read, not counted.

A card counts from its issue (``services.card_create``) until a merge closes it (``checkouts.merge``); both move the
count in their own transaction, so a committed count is exact at every commit. Each move is one upsert on the row of
the card's slot (``card id % SLOTS``): exact under concurrency (a racing first insert of a slot becomes the update)
and spread over several rows, so enrolments at the same moment rarely wait for each other.
"""

import functools

from django.db import connections, router
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from stampcard.cards.models import Card, CardCount
from stampcard.core import rawsql
from stampcard.merchants.models import Merchant

SLOTS = 8


def card_counted(*, card: Card, delta: int = 1) -> None:
    """Count ``card`` in (+1, it was issued) or out (-1, a merge closed it), in the caller's transaction."""
    using = router.db_for_write(CardCount)
    connection = connections[using]
    field = CardCount._meta.get_field("merchant")
    with connection.cursor() as cursor:
        cursor.execute(
            _upsert_sql(using),
            (
                field.get_db_prep_value(card.merchant_id, connection),
                CardCount._meta.get_field("program").get_db_prep_value(card.program_id, connection),
                card.pk % SLOTS,
                delta,
            ),
        )


@functools.lru_cache(maxsize=8)
def _upsert_sql(using: str) -> str:
    q = functools.partial(rawsql.qn, using)
    table = rawsql.table(CardCount, using)
    cards = q("cards")
    return (
        f"INSERT INTO {table} ({q('merchant_id')}, {q('program_id')}, {q('slot')}, {cards}) VALUES (%s, %s, %s, %s)"
        f" ON CONFLICT ({q('program_id')}, {q('slot')}) DO UPDATE SET {cards} = {table}.{cards} + EXCLUDED.{cards}"
    )


def cards_total(*, merchant: Merchant) -> int:
    """The merchant's open cards, from at most ``SLOTS`` rows per program."""
    total: int = CardCount.objects.filter(merchant=merchant).aggregate(total=Coalesce(Sum("cards"), 0))["total"]
    return total


def program_cards_open() -> Coalesce:
    """An annotation for a queryset of programs: each one's open cards, summed from its count rows."""
    per_program = (
        CardCount.objects.filter(program=OuterRef("pk")).values("program").annotate(total=Sum("cards")).values("total")
    )
    return Coalesce(Subquery(per_program), 0)
