"""The "Save to Google Wallet" link: a skinny JWT naming an object we inserted beforehand.

Skinny (ids only, not the whole object) keeps the link well under the ~1800 characters browsers keep.
"""

import functools
from datetime import datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.wallet.google import services
from stampcard.wallet.google.client import (
    GoogleWalletNotConfigured,
    ServiceAccount,
    WalletClient,
    ensure_no_transaction,
    http_client,
)


@functools.lru_cache(maxsize=4)
def _signing_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    # Loading an RSA key checks it thoroughly (about 30 ms of CPU): once per key and process, not per tap.
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise GoogleWalletNotConfigured("the service account key must be an RSA key (Google signs RS256)")
    return key


def save_jwt(*, account: ServiceAccount, object_id: str, class_id: str, now: datetime | None = None) -> str:
    """An RS256 JWT Google accepts at ``/gp/v/save/<jwt>``, signed with the service account's key."""
    claims = {
        "iss": account.email,
        "aud": "google",
        "typ": "savetowallet",
        "iat": int((now or clock.now()).timestamp()),
        "origins": [settings.BASE_URL],
        "payload": {"loyaltyObjects": [{"id": object_id, "classId": class_id}]},
    }
    headers = {"kid": account.private_key_id} if account.private_key_id else None
    return jwt.encode(claims, _signing_key(account.private_key_pem), algorithm="RS256", headers=headers)


def google_save_url(card: Card) -> str:
    """The link behind the "Save to Google Wallet" button. Inserts the program's class and the card's object at
    Google first (or brings them up to date). Talks to Google: never call it inside a database transaction.

    Raises ``client.GoogleWalletError`` when Google cannot be reached (``retryable``) or refuses,
    ``client.GoogleWalletNotConfigured`` when no issuer is set up.
    """
    ensure_no_transaction()
    with http_client() as http:
        client = WalletClient(http=http)
        google_object = services.object_ensure(card=card, client=client)
    token = save_jwt(
        account=client.account, object_id=google_object.object_id, class_id=google_object.google_class.class_id
    )
    return f"{settings.GOOGLE_WALLET_SAVE_URL.rstrip('/')}/{token}"
