from urllib.parse import urlsplit

import jwt

from stampcard.checkouts import services as checkouts_services
from stampcard.wallet.google.links import google_save_url
from stampcard.wallet.google.models import GoogleObject
from tests.cards.helpers import a_check


def save_link_token(card) -> str:
    return urlsplit(google_save_url(card)).path.rsplit("/", 1)[-1]


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def stamp(staff, card, *, capture, total: int = 12550):
    """Commit one check on the card and run what its commit set off (the wallet signal, the sync task)."""
    with capture(execute=True):
        return checkouts_services.checkout_commit(actor=staff.actor(), card_ref=card.number, check=a_check(total=total))


def object_of(card) -> GoogleObject:
    return GoogleObject.objects.select_related("google_class").get(card=card)
