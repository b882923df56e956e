"""Random identifiers a person or a scanner handles: card numbers, QR payloads, API key parts.

All come from ``secrets`` (a CSPRNG). Uniqueness is enforced by database constraints; callers retry on collision.
"""

import secrets

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper survives.
CROCKFORD32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

CARD_NUMBER_MIN = 100_000
CARD_NUMBER_MAX = 999_999

# Card QR payloads use only QR's alphanumeric set (upper case, digits, ':'), because USB/Bluetooth scanners in
# keyboard mode type what they read and mangle lower case under a non-Latin keyboard layout (Ukrainian tills).
CARD_QR_PREFIX = "SC1:"
CARD_QR_BODY_LENGTH = 26  # 26 x 5 bits = 130 bits of randomness


def random_card_number() -> str:
    """A six-digit number that never starts with 0 (so it survives spreadsheets and number fields)."""
    return str(CARD_NUMBER_MIN + secrets.randbelow(CARD_NUMBER_MAX - CARD_NUMBER_MIN + 1))


def random_base32(length: int) -> str:
    return "".join(secrets.choice(CROCKFORD32) for _ in range(length))


def random_card_qr() -> str:
    return CARD_QR_PREFIX + random_base32(CARD_QR_BODY_LENGTH)


def looks_like_card_qr(value: str) -> bool:
    value = value.strip().upper()
    body = value[len(CARD_QR_PREFIX) :]
    return (
        value.startswith(CARD_QR_PREFIX) and len(body) == CARD_QR_BODY_LENGTH and all(ch in CROCKFORD32 for ch in body)
    )


def looks_like_card_number(value: str) -> bool:
    value = value.strip()
    return len(value) == 6 and value.isdigit()
