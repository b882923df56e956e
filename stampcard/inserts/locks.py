"""Row locks for inserts. A claim locks the card first (the lock order of every card writer), then the insert, so two
people racing for one insert queue on the insert and one customer racing with two inserts queues on the card."""

from stampcard.inserts.errors import InsertNotFound
from stampcard.inserts.models import Insert


def insert_lock(*, insert_id: int) -> Insert:
    """Lock an insert by id (callers found it through its token). Raises InsertNotFound."""
    insert = Insert.objects.select_for_update().filter(pk=insert_id).first()
    if insert is None:
        raise InsertNotFound()
    return insert
