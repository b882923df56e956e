"""Row locks for cards. Every writer that changes a card's balance takes the card's lock first."""

from stampcard.cards.models import Card
from stampcard.cards.selectors import card_queryset_for_ref
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant


def card_lock(*, merchant: Merchant, ref: str | None = None, card_id: int | None = None) -> Card:
    """Lock and return a card by number/QR payload or by id. Raises NotFound for other tenants' cards."""
    qs = Card.objects.filter(merchant=merchant) if card_id is not None else card_queryset_for_ref(merchant, ref or "")
    if card_id is not None:
        qs = qs.filter(pk=card_id)
    # The program itself is not joined: a card's rules come from its version (the program is loaded lazily only for
    # a card without one), and this lock is on every checkout's path.
    card = qs.select_related("program_version", "customer").select_for_update(of=("self",)).first()
    if card is None:
        raise NotFound(code="card_not_found")
    return card
