"""Verifying Google's save/delete callbacks (``ECv2SigningOnly``, the PaymentMethodToken signing scheme).

Google POSTs ``{"signature", "intermediateSigningKey": {"signedKey", "signatures"}, "protocolVersion",
"signedMessage"}``. The chain: one of Google's root keys (published at ``GOOGLE_WALLET_CALLBACK_KEYS_URL``) signs
the intermediate key; the intermediate key signs the message. Each signature is ECDSA P-256/SHA-256 (DER) over the
fields joined as 4-byte little-endian length + UTF-8 bytes:

- intermediate: ``sender id, protocol version, signedKey``
- message: ``sender id, recipient id (our issuer id), protocol version, signedMessage``

Keys expire (``keyExpiration``, ms since epoch) and so does the message (``expTimeMillis``).
"""

import base64
import json
import struct
from datetime import datetime
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from django.conf import settings
from django.core.cache import cache

PROTOCOL_VERSION = "ECv2SigningOnly"
KEYS_CACHE_SECONDS = 3600


class CallbackInvalid(Exception):
    """The callback is not one Google signed for us (or it has expired)."""


def length_value(*fields: str) -> bytes:
    out = b""
    for value in fields:
        data = value.encode()
        out += struct.pack("<I", len(data)) + data
    return out


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _public_key(value: str) -> ec.EllipticCurvePublicKey:
    try:
        key = load_der_public_key(base64.b64decode(value))
    except (ValueError, TypeError) as exc:
        raise CallbackInvalid("unreadable key") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise CallbackInvalid("not a P-256 key")
    return key


def _verifies(key: ec.EllipticCurvePublicKey, signature_b64: str, data: bytes) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64), data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _not_expired(expiration: Any, now: datetime) -> bool:
    return expiration is None or (str(expiration).isdigit() and int(expiration) > _millis(now))


def root_keys_fetch(*, http: httpx.Client, force: bool = False) -> list[dict[str, Any]]:
    """Google's root signing keys, cached for an hour (fetched again at once when a signature fails to verify)."""
    cache_key = f"gw:callback-root-keys:{settings.GOOGLE_WALLET_CALLBACK_KEYS_URL}"
    keys: list[dict[str, Any]] | None = cache.get(cache_key)
    # A forced refetch (after a signature failed) happens at most once a minute, so forged callbacks cannot make
    # us hammer Google's key server.
    if force and cache.add(f"{cache_key}:refetched", 1, 60):
        keys = None
    if keys is None:
        response = http.get(settings.GOOGLE_WALLET_CALLBACK_KEYS_URL)
        response.raise_for_status()
        keys = list(response.json().get("keys", []))
        cache.set(cache_key, keys, KEYS_CACHE_SECONDS)
    return keys


def callback_verify(
    body: dict[str, Any], *, root_keys: list[dict[str, Any]], recipient_id: str, sender_id: str, now: datetime
) -> dict[str, Any]:
    """The signed message of a callback Google really sent us. Raises CallbackInvalid otherwise."""
    if not isinstance(body, dict) or body.get("protocolVersion") != PROTOCOL_VERSION:
        raise CallbackInvalid("unsupported protocol version")
    intermediate = body.get("intermediateSigningKey")
    signed_message, signature = body.get("signedMessage"), body.get("signature")
    if not isinstance(intermediate, dict) or not isinstance(signed_message, str) or not isinstance(signature, str):
        raise CallbackInvalid("malformed callback")
    signed_key, key_signatures = intermediate.get("signedKey"), intermediate.get("signatures")
    if not isinstance(signed_key, str) or not isinstance(key_signatures, list):
        raise CallbackInvalid("malformed intermediate key")

    roots = [
        _public_key(key["keyValue"])
        for key in root_keys
        if key.get("protocolVersion") == PROTOCOL_VERSION and _not_expired(key.get("keyExpiration"), now)
    ]
    key_data = length_value(sender_id, PROTOCOL_VERSION, signed_key)
    if not any(_verifies(root, str(sig), key_data) for root in roots for sig in key_signatures):
        raise CallbackInvalid("intermediate key not signed by a Google root key")
    try:
        key_info = json.loads(signed_key)
    except ValueError as exc:
        raise CallbackInvalid("malformed intermediate key") from exc
    if not _not_expired(key_info.get("keyExpiration"), now):
        raise CallbackInvalid("intermediate key expired")
    intermediate_key = _public_key(str(key_info.get("keyValue", "")))
    if not _verifies(
        intermediate_key, signature, length_value(sender_id, recipient_id, PROTOCOL_VERSION, signed_message)
    ):
        raise CallbackInvalid("message signature does not verify")
    try:
        message = json.loads(signed_message)
    except ValueError as exc:
        raise CallbackInvalid("malformed message") from exc
    if not isinstance(message, dict):
        raise CallbackInvalid("malformed message")
    if not _not_expired(message.get("expTimeMillis"), now):
        raise CallbackInvalid("message expired")
    return message
