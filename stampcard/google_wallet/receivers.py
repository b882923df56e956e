"""Following card changes: each committed change of a card that Google holds becomes a background patch."""

from typing import Any

from stampcard.google_wallet import client, tasks
from stampcard.google_wallet.models import GoogleObject


def on_cards_changed(sender: Any, card_ids: list[int], **kwargs: Any) -> None:
    """``wallet.changes.cards_changed`` (sent after commit). Only cards with a Google object need a patch."""
    if not client.is_configured() or not card_ids:
        return
    held = sorted(GoogleObject.objects.filter(card_id__in=card_ids).values_list("card_id", flat=True))
    if held:
        tasks.sync_enqueue(card_ids=held)
