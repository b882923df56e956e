"""What erasing a customer means for their cards (``customers.privacy.customer_erase`` runs it in its transaction).

A card's bearer identities are replaced: its web link is deleted (the old ``/c/<token>`` stops working) and its QR
payload is re-drawn (a screenshot of the old pass no longer identifies anyone). Its balance and ledger stay. The card
is marked changed, so the wallets rebuild its pass, which they void for an erased customer.
"""

from django.db import IntegrityError, transaction

from stampcard.cards import changes
from stampcard.cards.models import Card, CardLink
from stampcard.core import clock
from stampcard.core.codes import random_card_qr
from stampcard.customers.models import Customer

_ATTEMPTS = 5


def cards_forget_customer(customer: Customer) -> None:
    """Invalidate the links of every card of ``customer`` and announce the change to the wallets holding them."""
    now = clock.now()
    # Locked in primary-key order like every card writer: a stamp on one of them waits and then sees the new payload.
    cards = list(Card.objects.filter(customer=customer).order_by("pk").select_for_update())
    CardLink.objects.filter(card__in=cards).delete()
    for card in cards:
        _redraw_qr(card)
        card.changed_at = now
        Card.objects.filter(pk=card.pk).update(changed_at=now)
        changes.card_changed(card=card)


def _redraw_qr(card: Card) -> None:
    for attempt in range(_ATTEMPTS):
        payload = random_card_qr()
        try:
            with transaction.atomic():
                Card.objects.filter(pk=card.pk).update(qr_payload=payload)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        card.qr_payload = payload
        return
