"""Links to a card's Apple Wallet pass, for the customer pages and emails."""

from django.conf import settings
from django.urls import reverse

from stampcard.cards.models import Card
from stampcard.wallet.apple.services import apple_pass_ensure


def apple_pass_url(card: Card) -> str:
    """The absolute URL that downloads the card's signed .pkpass ("Add to Apple Wallet")."""
    token = apple_pass_ensure(card=card).public_token
    return f"{settings.BASE_URL}{reverse('apple-wallet-pass-download', args=[token])}"
