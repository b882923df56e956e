"""Links to a card's Apple Wallet pass, for the customer pages and emails."""

from django.conf import settings
from django.urls import reverse

from stampcard.cards.models import Card


def apple_pass_url(card: Card) -> str:
    """The absolute URL that downloads the card's signed .pkpass ("Add to Apple Wallet")."""
    from stampcard.apple_wallet.services import apple_pass_ensure

    token = apple_pass_ensure(card=card).public_token
    return f"{settings.BASE_URL}{reverse('apple-wallet-pass-download', args=[token])}"
