"""Where the wallet buttons of a card point, through the wallet apps when they are installed.

The Apple and Google integrations live in their own apps (``stampcard.apple_wallet``, ``stampcard.google_wallet``).
The customer pages must work without either: a missing app, or one that fails to make a link (not configured, its
API down), hides that button and the web card still works.
"""

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from django.urls import reverse

from stampcard.cards.models import Card
from stampcard.join.devices import WalletChoice
from stampcard.join.links import card_token

logger = logging.getLogger(__name__)

LinkMaker = Callable[[Card], str | None]


def _wallet_links(app: str) -> ModuleType | None:
    """The ``links`` module of a wallet app, or None without that app (import_module honours a module blanked in
    ``sys.modules``, which ``from package import links`` does not once the package has the attribute)."""
    try:
        return importlib.import_module(f"stampcard.{app}.links")
    except ImportError:
        return None


def _apple_pass_url(card: Card) -> str | None:
    apple = _wallet_links("apple_wallet")
    return apple.apple_pass_url(card) if apple is not None else None


def _google_save_url(card: Card) -> str | None:
    # Making the real link talks to Google (the class and object are inserted first), so the card page links to our
    # own redirect and that work happens only when the customer taps the button.
    if _wallet_links("google_wallet") is None:
        return None
    return reverse("join:card-google", kwargs={"token": card_token(card)})


def google_save_redirect_url(card: Card) -> str:
    """The real "Save to Google Wallet" link, made now (talks to Google: never inside a transaction)."""
    from stampcard.google_wallet import links

    return links.google_save_url(card)


# Looked up at call time, so tests (and a deployment without one of the wallets) can swap them.
PROVIDERS: dict[str, LinkMaker] = {"apple": _apple_pass_url, "google": _google_save_url}


@dataclass(frozen=True)
class WalletButtons:
    apple_url: str | None
    google_url: str | None

    @property
    def any(self) -> bool:
        return bool(self.apple_url or self.google_url)


def _link(kind: str, card: Card) -> str | None:
    try:
        return PROVIDERS[kind](card) or None
    except Exception:  # a wallet failing must not take the card page down with it
        logger.exception("could not make the %s wallet link of card %s", kind, card.pk)
        return None


def wallet_buttons(*, card: Card, choice: WalletChoice) -> WalletButtons:
    """The buttons this device should see; a wallet that cannot make a link shows none."""
    apple = _link("apple", card) if choice in (WalletChoice.APPLE, WalletChoice.BOTH) else None
    google = _link("google", card) if choice in (WalletChoice.GOOGLE, WalletChoice.BOTH) else None
    return WalletButtons(apple_url=apple, google_url=google)
