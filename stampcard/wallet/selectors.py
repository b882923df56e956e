"""Which wallets hold a card: Apple devices registered for its pass, and what Google's callbacks last said."""

from typing import Any

from stampcard.apple_wallet.models import AppleRegistration
from stampcard.cards.models import Card
from stampcard.google_wallet.selectors import wallets_of


def card_wallets(*, card: Card) -> dict[str, Any]:
    """``{"apple_devices": <devices registered for updates>, "google": "saved" | "removed" | None}``."""
    return {
        "apple_devices": AppleRegistration.objects.filter(apple_pass__card_id=card.pk).count(),
        "google": wallets_of(card=card)["google"],
    }
