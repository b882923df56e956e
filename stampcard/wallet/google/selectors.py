"""Reads for Google Wallet state. Tenant rows are reached through a door that takes the merchant."""

from stampcard.cards.models import Card
from stampcard.core.errors import NotFound
from stampcard.merchants.models import Merchant
from stampcard.wallet.google.models import GoogleCallbackEvent, GoogleObject, WalletEventType


def google_object_get(*, merchant: Merchant, card_id: int) -> GoogleObject:
    """The Google object of this merchant's card. NotFound for another merchant's card or one never offered."""
    google_object = (
        GoogleObject.objects.filter(merchant=merchant, card_id=card_id).select_related("google_class").first()
    )
    if google_object is None:
        raise NotFound(code="google_object_not_found")
    return google_object


def wallets_of(*, card: Card) -> dict[str, str | None]:
    """Which wallets hold the card, from Google's callbacks: ``{"google": "saved" | "removed" | None}``.

    None means Google never told us (not saved, or callbacks are not reaching us). Events are ordered by the time
    Google signed them, so a late redelivery of an old save does not override a newer removal.
    """
    latest = (
        GoogleCallbackEvent.objects.filter(merchant_id=card.merchant_id, google_object__card_id=card.pk)
        .order_by("-expires_at", "-pk")
        .values_list("event_type", flat=True)
        .first()
    )
    if latest is None:
        return {"google": None}
    return {"google": "saved" if latest == WalletEventType.SAVE else "removed"}


def wallets_of_cards(*, cards: list[Card]) -> dict[int, str | None]:
    """``wallets_of`` of several cards (of one merchant) in one query: card id -> "saved" | "removed" | None."""
    held: dict[int, str | None] = {card.pk: None for card in cards}
    if not cards:
        return held
    events = (
        GoogleCallbackEvent.objects.filter(merchant_id=cards[0].merchant_id, google_object__card_id__in=list(held))
        .order_by("google_object__card_id", "-expires_at", "-pk")
        .values_list("google_object__card_id", "event_type")
    )
    seen: set[int] = set()
    for card_id, event_type in events:
        if card_id not in seen:
            seen.add(card_id)
            held[card_id] = "saved" if event_type == WalletEventType.SAVE else "removed"
    return held
