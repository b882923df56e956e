"""Where the wallet buttons of a card point: the Apple and Google wallets (``stampcard.wallet.apple``,
``stampcard.wallet.google``), which sit below the customer pages.

The customer pages must work without either: a wallet left out of ``PROVIDERS``, or one that fails to make a link
(not configured, its API down), hides that button and the web card still works.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from stampcard.cards.links import card_token
from stampcard.cards.models import Card
from stampcard.public.devices import WalletChoice
from stampcard.wallet.apple import links as apple_links
from stampcard.wallet.google import links as google_links

logger = logging.getLogger(__name__)

LinkMaker = Callable[[Card], str | None]


def _apple_pass_url(card: Card) -> str | None:
    return apple_links.apple_pass_url(card)


def _google_save_url(card: Card) -> str | None:
    # Making the real link talks to Google (the class and object are inserted first), so the card page links to our
    # own redirect and that work happens only when the customer taps the button.
    return reverse("join:card-google", kwargs={"token": card_token(card)})


def google_save_redirect_url(card: Card) -> str:
    """The real "Save to Google Wallet" link, made now (talks to Google: never inside a transaction)."""
    return google_links.google_save_url(card)


# Looked up at call time, so tests (and a deployment without one of the wallets) can swap or drop them.
PROVIDERS: dict[str, LinkMaker] = {"apple": _apple_pass_url, "google": _google_save_url}


@dataclass(frozen=True)
class WalletButtons:
    apple_url: str | None
    google_url: str | None

    @property
    def any(self) -> bool:
        return bool(self.apple_url or self.google_url)


def _link(kind: str, card: Card) -> str | None:
    make = PROVIDERS.get(kind)
    if make is None:
        return None
    try:
        return make(card) or None
    except Exception:  # a wallet failing must not take the card page down with it
        logger.exception("could not make the %s wallet link of card %s", kind, card.pk)
        return None


def wallet_buttons(*, card: Card, choice: WalletChoice) -> WalletButtons:
    """The buttons this device should see; a wallet that cannot make a link shows none."""
    apple = _link("apple", card) if choice in (WalletChoice.APPLE, WalletChoice.BOTH) else None
    google = _link("google", card) if choice in (WalletChoice.GOOGLE, WalletChoice.BOTH) else None
    return WalletButtons(apple_url=apple, google_url=google)
