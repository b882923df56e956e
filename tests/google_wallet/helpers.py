from urllib.parse import urlsplit

import jwt

from stampcard.cards import services as cards_services
from stampcard.google_wallet.links import google_save_url
from stampcard.google_wallet.models import GoogleObject
from tests.cards.helpers import a_check


def save_link_token(card) -> str:
    return urlsplit(google_save_url(card)).path.rsplit("/", 1)[-1]


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def stamp(staff, card, *, capture, total: int = 12550):
    """Commit one check on the card and run what its commit set off (the wallet signal, the sync task)."""
    with capture(execute=True):
        return cards_services.checkout_commit(actor=staff.actor(), card_ref=card.number, check=a_check(total=total))


def object_of(card) -> GoogleObject:
    return GoogleObject.objects.select_related("google_class").get(card=card)
