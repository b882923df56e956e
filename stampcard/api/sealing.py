"""Sealing the stored answers of ``Idempotency-Key``: what a replay needs, unreadable to anyone holding only the rows.

An answer can carry secrets (a receipt claim's token and claim URL, a card's QR payload and web link, a voucher's
public link), and the record keeps it for ``IDEMPOTENCY_TTL_HOURS``. It is sealed with AES-GCM (``cryptography``)
under a key derived from ``SECRET_KEY`` *and* the caller's Idempotency-Key, which is itself stored only as a
SHA-256 digest. So the caller that sent the key gets its answer back byte for byte, while a copy of the database
(even with ``SECRET_KEY``, unless the Idempotency-Key is guessed too) reveals nothing. Status code, API key and key
digest are bound in as associated data, so a sealed body cannot be moved to another record.

Chosen over storing the answer with its secrets taken out and put back on replay: this works for every write of
the API whatever its answer holds, and a replay stays byte for byte the first answer, even after the rows it was
built from changed.
"""

import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "stampcard.api.idempotency.seal"
_NONCE_BYTES = 12
_VERSION = b"\x01"


def key_digest(key: str) -> str:
    """What the record stores of the Idempotency-Key: its SHA-256, hex (unkeyed, so key rotation loses no record)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _cipher(secret: str, *, api_key_id: object, key: str) -> AESGCM:
    return AESGCM(salted_hmac(_SALT, f"{api_key_id}:{key}", secret=secret, algorithm="sha256").digest())


def _associated(*, api_key_id: object, key: str, status: int) -> bytes:
    return f"{api_key_id}:{key_digest(key)}:{status}".encode()


def seal(body: bytes, *, api_key_id: object, key: str, status: int) -> bytes:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    associated = _associated(api_key_id=api_key_id, key=key, status=status)
    return (
        _VERSION + nonce + _cipher(settings.SECRET_KEY, api_key_id=api_key_id, key=key).encrypt(nonce, body, associated)
    )


def unseal(sealed: bytes | memoryview, *, api_key_id: object, key: str, status: int) -> bytes | None:
    """The answer sealed under this key; None when no current or fallback ``SECRET_KEY`` opens it."""
    sealed = bytes(sealed)
    if sealed[:1] != _VERSION:
        return None
    nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    associated = _associated(api_key_id=api_key_id, key=key, status=status)
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return _cipher(secret, api_key_id=api_key_id, key=key).decrypt(nonce, ciphertext, associated)
        except InvalidTag:
            continue
    return None
