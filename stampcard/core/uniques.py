"""Inserting a row whose random code must be unique: the database's unique index decides, we draw again.

Every random identifier (card numbers, receipt codes, voucher codes, insert tokens, API key prefixes, web tokens)
is drawn, inserted in a savepoint and drawn again on a collision; a lookup first would race. ``on_conflict``
covers the other reason an insert collides: a concurrent request made the very row we wanted (the same check's
receipt claim, the same card's web link), which is then the answer.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, router, transaction
from django.db.models import Model

from stampcard.core import rawsql

T = TypeVar("T")


def insert_with_fresh_code(
    insert: Callable[[], T], *, attempts: int, what: str, on_conflict: Callable[[], T | None] | None = None
) -> T:
    """Call ``insert`` (it draws a fresh code and writes the row) in a savepoint until it does not collide.

    After a collision, ``on_conflict`` may return the row another request made meanwhile, which is returned
    instead of drawing again. Raises RuntimeError after ``attempts`` collisions: the code space is nearly full.
    """
    for _attempt in range(attempts):
        try:
            with transaction.atomic():
                return insert()
        except IntegrityError:
            if on_conflict is not None and (found := on_conflict()) is not None:
                return found
    raise RuntimeError(f"no free {what} after {attempts} attempts")


def insert_unless_taken(row: Model) -> bool:
    """Insert ``row`` unless a unique index already holds its key; True when it was inserted (its pk is set then).

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (``INSERT OR IGNORE`` on SQLite): the index settles a race
    with a concurrent insert of the same key (PostgreSQL waits for that transaction and then skips, or inserts if it
    rolled back) without the savepoint a failing insert would need, so the caller's transaction stays usable. The
    statement is written once per model (``core.rawsql``): this runs on every checkout.
    """
    return rawsql.insert_row(row, router.db_for_write(type(row), instance=row), ignore_conflicts=True)
