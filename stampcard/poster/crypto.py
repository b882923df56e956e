"""Poster access tokens at rest: Fernet (AES-128-CBC + HMAC-SHA256), with key rotation.

The key is ``POSTER_TOKEN_KEY`` (a Fernet key: 32 url-safe base64 bytes). Without it, a key is derived from
``SECRET_KEY``, so a single-process install needs no extra setting, at the price that rotating ``SECRET_KEY``
makes stored tokens unreadable (the merchant connects again). Old keys stay readable through
``POSTER_TOKEN_OLD_KEYS`` (comma-separated): tokens are decrypted with any of them and re-encrypted with the first.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TokenUnreadable(Exception):
    """The stored token was encrypted with a key we no longer have."""


def _derived_key() -> bytes:
    digest = hashlib.sha256(b"stampcard.poster.token-at-rest:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    primary = settings.POSTER_TOKEN_KEY.encode() if settings.POSTER_TOKEN_KEY else _derived_key()
    old = [k.strip().encode() for k in settings.POSTER_TOKEN_OLD_KEYS.split(",") if k.strip()]
    return MultiFernet([Fernet(primary), *(Fernet(k) for k in old)])


def token_encrypt(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode()


def token_decrypt(encrypted: str) -> str:
    try:
        return _fernet().decrypt(encrypted.encode()).decode()
    except InvalidToken as exc:
        raise TokenUnreadable("the Poster token was encrypted with a key that is not configured") from exc


def token_hint(token: str) -> str:
    """The last four characters, so support can tell tokens apart without seeing one."""
    return token[-4:] if len(token) >= 12 else ""
