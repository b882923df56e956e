"""Bearer tokens at rest: a SHA-256 to find a row by, and a sealed copy for when the token must be shown again.

A token that people hold (a card's web link, a voucher's link, an Apple pass's download link and web-service token)
must keep working for as long as it was printed or installed, and we must be able to put it into a page, an email
or a rebuilt pass again. So each such token is kept twice, neither in clear:

- ``digest``: its SHA-256, hex, in a unique column. A request's token is hashed and looked up; nothing about the
  lookup depends on a server key, so a key rotation never breaks a link. (Unkeyed is enough: the tokens carry at
  least 128 random bits, so the digest cannot be searched for.)
- ``seal``: AES-GCM (``cryptography``) under a key derived from ``SECRET_KEY`` for one named purpose, with the
  digest as associated data, so a sealed copy opens only beside its own digest. ``unseal`` tries ``SECRET_KEY`` and
  then ``SECRET_KEY_FALLBACKS``.

Chosen over deriving the tokens from ``SECRET_KEY`` (an HMAC of the row id): a derived token changes with the key,
and an Apple pass's authentication token must never change, nor may a printed link stop working. A copy of the
database alone gives no token away; the database together with ``SECRET_KEY`` does, as it does for sessions.
Rotating ``SECRET_KEY``: keep the old one in ``SECRET_KEY_FALLBACKS`` (links keep opening regardless; only
re-showing them needs the key).
"""

import base64
import functools
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

DIGEST_LENGTH = 64
SEALED_MAX_LENGTH = 160  # base64url of 1 + 12 + up to 64 + 16 bytes
_NONCE_BYTES = 12
_VERSION = b"\x01"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def digests_match(token: str, stored_digest: str) -> bool:
    """Constant-time: whether ``token`` is the one whose digest is stored."""
    return hmac.compare_digest(digest(token).encode(), (stored_digest or "").encode())


# Deriving the key (an HMAC over SECRET_KEY) was most of the ~14 us an unseal took, paid twice per pass built; the
# cipher holds no state between calls, so one per (purpose, key) serves every thread.
@functools.lru_cache(maxsize=32)
def _cipher(purpose: str, secret: str) -> AESGCM:
    return AESGCM(salted_hmac(f"stampcard.secretbox.{purpose}", "", secret=secret, algorithm="sha256").digest())


def seal(token: str, *, purpose: str) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _cipher(purpose, settings.SECRET_KEY).encrypt(nonce, token.encode(), digest(token).encode())
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode()


def unseal(sealed: str, *, purpose: str, stored_digest: str) -> str | None:
    """The token sealed for ``purpose`` beside ``stored_digest``; None when no current or fallback key opens it."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    if raw[:1] != _VERSION:
        return None
    nonce, ciphertext = raw[1 : 1 + _NONCE_BYTES], raw[1 + _NONCE_BYTES :]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return _cipher(purpose, secret).decrypt(nonce, ciphertext, stored_digest.encode()).decode()
        except InvalidTag:
            continue
    return None


class TokenUnavailable(RuntimeError):
    """A sealed token no key opens any more: ``SECRET_KEY`` was rotated without keeping the old one as a fallback."""


def sealed_token(*, purpose: str, prefix: str, doc: str) -> property:
    """A model property over the ``<prefix>_digest`` and ``<prefix>_sealed`` columns: reading it unseals the token
    (TokenUnavailable when no key opens it), setting it stores the digest and a sealed copy. A property, so it can
    be given to the model's constructor and to ``objects.create`` like a field."""

    def get(row: object) -> str:
        stored = getattr(row, f"{prefix}_digest")
        token = unseal(getattr(row, f"{prefix}_sealed"), purpose=purpose, stored_digest=stored) if stored else None
        if token is None:
            raise TokenUnavailable(f"the {purpose} of {row!r} cannot be unsealed with SECRET_KEY or its fallbacks")
        return token

    def put(row: object, token: str) -> None:
        setattr(row, f"{prefix}_digest", digest(token))
        setattr(row, f"{prefix}_sealed", seal(token, purpose=purpose))

    return property(get, put, doc=doc)
