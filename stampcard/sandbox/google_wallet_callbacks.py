"""Google Wallet's save and delete callbacks as the stand-in signs them (``ECv2SigningOnly``, reference/wallet.md
section 4): a root key published at ``/gp/m/issuer/keys`` signs a short-lived intermediate key, which signs the
message. Our receiver (``stampcard.wallet.google.callbacks``) verifies them the way it verifies Google's."""

import base64
import json
import secrets
import struct
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

PROTOCOL_VERSION = "ECv2SigningOnly"
SENDER_ID = "GooglePayPasses"


class CallbackSigner:
    """The stand-in's root and intermediate keys, and callbacks signed with them for ``issuer_id``."""

    def __init__(self, *, issuer_id: str, now: Callable[[], datetime]) -> None:
        self.issuer_id = issuer_id
        self.now = now
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate_key = ec.generate_private_key(ec.SECP256R1())

    def root_keys(self) -> dict[str, Any]:
        """What ``/gp/m/issuer/keys`` answers."""
        return {
            "keys": [
                {
                    "keyValue": _spki(self.root_key.public_key()),
                    "protocolVersion": PROTOCOL_VERSION,
                    "keyExpiration": _millis(self.now() + timedelta(days=365)),
                }
            ]
        }

    def callback_body(
        self,
        *,
        class_id: str,
        object_id: str,
        event_type: str = "save",
        nonce: str | None = None,
        expires_in: timedelta = timedelta(minutes=5),
        recipient_id: str | None = None,
        signing_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> dict[str, Any]:
        """A callback signed the way Google signs them. ``signing_key`` (instead of the root key) forges one."""
        now = self.now()
        signed_key = json.dumps(
            {
                "keyValue": _spki(self.intermediate_key.public_key()),
                "keyExpiration": _millis(now + timedelta(days=1)),
            }
        )
        root = signing_key or self.root_key
        key_signature = root.sign(_length_value(SENDER_ID, PROTOCOL_VERSION, signed_key), ec.ECDSA(hashes.SHA256()))
        message = json.dumps(
            {
                "classId": class_id,
                "objectId": object_id,
                "expTimeMillis": int(_millis(now + expires_in)),
                "eventType": event_type,
                "count": 1,
                "nonce": nonce or secrets.token_hex(16),
            }
        )
        signature = self.intermediate_key.sign(
            _length_value(SENDER_ID, recipient_id or self.issuer_id, PROTOCOL_VERSION, message),
            ec.ECDSA(hashes.SHA256()),
        )
        return {
            "signature": _b64(signature),
            "intermediateSigningKey": {"signedKey": signed_key, "signatures": [_b64(key_signature)]},
            "protocolVersion": PROTOCOL_VERSION,
            "signedMessage": message,
        }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _spki(key: ec.EllipticCurvePublicKey) -> str:
    return _b64(key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def _length_value(*fields: str) -> bytes:
    return b"".join(struct.pack("<I", len(value.encode())) + value.encode() for value in fields)


def _millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))
