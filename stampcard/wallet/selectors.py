"""Reads over both wallets."""

from typing import Any

from stampcard.cards.models import Card
from stampcard.wallet.apple import selectors as apple_selectors
from stampcard.wallet.google import selectors as google_selectors


def card_wallets(*, card: Card) -> dict[str, Any]:
    """Which wallets hold a card: ``{"apple_devices": <devices registered for its pass's updates>,
    "google": "saved" | "removed" | None}`` (what Google's callbacks last said)."""
    return {
        "apple_devices": apple_selectors.devices_registered(card=card),
        "google": google_selectors.wallets_of(card=card)["google"],
    }


def cards_wallets(*, cards: list[Card]) -> dict[int, dict[str, Any]]:
    """``card_wallets`` of several cards in two queries whatever their number: card id -> the same dict."""
    devices = apple_selectors.devices_registered_by_card(cards=cards)
    google = google_selectors.wallets_of_cards(cards=cards)
    return {card.pk: {"apple_devices": devices[card.pk], "google": google[card.pk]} for card in cards}
