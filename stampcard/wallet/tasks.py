"""Background work of the wallet change feed (the tasks database worker: ``stampcard worker``)."""

from typing import Any

from django.db import transaction
from django_tasks import task

from stampcard.cards import changes
from stampcard.wallet import feed

TOUCH_BATCH = 1000  # cards marked changed per transaction when every pass of a merchant must follow


@task()
def wallet_changes_sweep() -> dict[str, int]:
    """Periodic: hand the wallets the card changes that no after-commit hook handed over (the process died between
    commit and hook, or a wallet could not queue its work). Safe from several workers at once."""
    return feed.changes_sweep().as_dict()


def merchant_passes_refresh(*, merchant_id: Any) -> None:
    """Have every wallet pass of the merchant rebuilt, e.g. after its locations changed (``wallet.geo``).

    Call it in the transaction of the change: the task row is written in that transaction (the database task
    backend), so the refresh is queued exactly when the change commits and survives a process dying right after. A
    merchant may have a hundred thousand cards in wallets: the request only queues, the worker marks them.
    """
    wallet_merchant_cards_touch.enqueue(merchant_id=str(merchant_id))


@task()
def wallet_merchant_cards_touch(merchant_id: str) -> dict[str, int]:
    """Mark every wallet-held card of the merchant changed, in batches of short transactions; each batch goes to the
    wallets through the change feed after its commit. Run again (a worker died midway), it starts over: cards marked
    twice are pushed twice, never lost."""
    touched, after = 0, 0
    while True:
        with transaction.atomic():
            card_ids = changes.merchant_cards_touch(merchant_id=merchant_id, after=after, limit=TOUCH_BATCH)
        if not card_ids:
            return {"touched": touched}
        touched, after = touched + len(card_ids), card_ids[-1]
