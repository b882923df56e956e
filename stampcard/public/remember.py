"""The cards this device holds: a signed, long-lived cookie set by the web card page.

Receipt claims (a QR on a receipt) read it to stamp the right card without asking who the customer is. The cookie
carries the cards' web tokens, most recent first; signing stops a device from planting a token it never saw, and a
token that no longer resolves is simply skipped.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from stampcard.cards.links import card_token
from stampcard.cards.models import Card, Program
from stampcard.merchants.models import Merchant
from stampcard.public import selectors

COOKIE_NAME = "stampcard_cards"
COOKIE_SALT = "stampcard.public.remembered"
COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
MAX_CARDS = 10
_SEPARATOR = "."  # web tokens are URL-safe base64, which never contains a dot


def remembered_tokens(request: HttpRequest) -> list[str]:
    raw = request.get_signed_cookie(COOKIE_NAME, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    return [token for token in (raw or "").split(_SEPARATOR) if token][:MAX_CARDS]


def remembered_cards(request: HttpRequest) -> list[Card]:
    """Every card this device holds, most recently opened first."""
    tokens = remembered_tokens(request)
    return selectors.cards_by_tokens(tokens=tokens) if tokens else []


def remembered_card(
    request: HttpRequest, *, merchant: Merchant | None = None, program: Program | None = None
) -> Card | None:
    """The card this device last opened, optionally limited to a merchant or a program; None when there is none."""
    for card in remembered_cards(request):
        if merchant is not None and card.merchant_id != merchant.pk:
            continue
        if program is not None and card.program_id != program.pk:
            continue
        return card
    return None


def remember_cards(response: HttpResponse, request: HttpRequest, cards: list[Card]) -> None:
    """Put these cards first in the device's cookie (keeping the others it holds, up to MAX_CARDS)."""
    tokens = [card_token(card) for card in cards]
    kept = tokens + [token for token in remembered_tokens(request) if token not in tokens]
    response.set_signed_cookie(
        COOKIE_NAME,
        _SEPARATOR.join(kept[:MAX_CARDS]),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=request.is_secure() or settings.BASE_URL.startswith("https://"),
        httponly=True,
        samesite="Lax",
    )
