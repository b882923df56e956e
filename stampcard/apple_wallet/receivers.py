"""Following card changes: ``stampcard.wallet.changes.cards_changed`` arrives after the change committed."""

import logging
from typing import Any

from stampcard.apple_wallet import credentials, push, tasks
from stampcard.apple_wallet.models import AppleRegistration

logger = logging.getLogger(__name__)

# Batches per task: one task pushes each token once across all its cards, so a design change of thousands of cards
# wakes a phone holding several of them once; past this many cards the work is split over several tasks.
BATCHES_PER_TASK = 20


def on_cards_changed(sender: Any, card_ids: list[int], **kwargs: Any) -> None:
    """Queue pushes for the cards that have a device registered.

    The existence check per batch keeps a stamp on a card nobody holds in Wallet from writing a task row. Errors are
    logged, not raised: the signal's other receivers (Google Wallet) must still run, and the next change of the
    card catches up (pushes follow ``changed_at``, not the signal).
    """
    try:
        batch = credentials.conf()["PUSH_BATCH_SIZE"]
        held = [
            card_id
            for chunk in push.chunks(sorted(set(card_ids)), batch)
            if AppleRegistration.objects.filter(apple_pass__card_id__in=chunk).exists()
            for card_id in chunk
        ]
        for task_ids in push.chunks(held, batch * BATCHES_PER_TASK):
            tasks.apple_passes_notify.enqueue(card_ids=task_ids)
    except Exception:
        logger.exception("could not queue Apple Wallet pushes for %d cards", len(card_ids))
