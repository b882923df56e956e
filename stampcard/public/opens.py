"""That a customer opened their web card, for campaign results (``models.CardOpen``)."""

from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.public.models import CardOpen


def card_open_record(*, card: Card) -> None:
    """Move the card's last opening to now: one upsert, no read first (the page is hot)."""
    CardOpen.objects.bulk_create(
        [CardOpen(card=card, last_opened_at=clock.now())],
        update_conflicts=True,
        unique_fields=["card"],
        update_fields=["last_opened_at"],
    )
