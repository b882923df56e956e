"""The two references of a receipt claim: the bearer token in its QR and the short code printed under it.

The token is 128 bits, URL-safe (22 characters, so the QR stays small on a 58 mm receipt) and derived from the
claim's id with an HMAC under ``SECRET_KEY``: the database stores only its SHA-256, yet the API can give the same
token back for a reprint. After a key rotation the old key must stay in ``SECRET_KEY_FALLBACKS`` for claims made
before it to be reprinted; scanning them keeps working regardless, since a scan is looked up by the token's hash.

The code is eight characters of Crockford's base32 (no I, L, O or U): what a cashier or support reads over the
phone to find a claim. It is a lookup key for the merchant's own staff, scoped to the merchant, never a credential:
no customer page accepts it.
"""

import base64
import hashlib
import uuid

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from stampcard.core.codes import CROCKFORD32, random_base32

TOKEN_BYTES = 16
TOKEN_LENGTH = 22  # base64url of 16 bytes, without padding
CODE_LENGTH = 8
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_SALT = "stampcard.receipts.token"
# What people type for the letters Crockford's base32 leaves out.
_CODE_READS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _token_with(secret: str, claim_id: uuid.UUID) -> str:
    digest = salted_hmac(_SALT, str(claim_id), secret=secret, algorithm="sha256").digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(claim_id: uuid.UUID) -> str:
    """The bearer token of a new claim."""
    return _token_with(settings.SECRET_KEY, claim_id)


def token_hash(token: str) -> str:
    # Unkeyed: the token carries 128 random-looking bits, so its hash cannot be searched for.
    return hashlib.sha256(token.encode()).hexdigest()


def token_recover(*, claim_id: uuid.UUID, stored_hash: str) -> str | None:
    """The token of an existing claim (for a reprint), or None when the key it was made with is gone."""
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        token = _token_with(secret, claim_id)
        if constant_time_compare(token_hash(token), stored_hash):
            return token
    return None


def looks_like_token(value: str) -> bool:
    return len(value) == TOKEN_LENGTH and all(ch in _TOKEN_CHARS for ch in value)


def random_code() -> str:
    return random_base32(CODE_LENGTH)


def normalize_code(value: str) -> str | None:
    """A typed code in its stored form (upper case, no spaces or dashes, O read as 0, I and L as 1); None when it
    cannot be one."""
    compact = "".join(ch for ch in (value or "") if ch not in " -").upper().translate(_CODE_READS)
    if len(compact) != CODE_LENGTH or any(ch not in CROCKFORD32 for ch in compact):
        return None
    return compact


def format_code(code: str) -> str:
    """``K7QM2XWP`` -> ``K7QM-2XWP``, as printed on the receipt."""
    return f"{code[:4]}-{code[4:]}"
