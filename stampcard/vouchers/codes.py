"""Voucher redeem codes: typed by cashiers, read aloud over the phone, printed on flyers.

A generated code is 10 symbols of Crockford's base32 (no I, L, O or U): 9 random symbols (45 bits from ``secrets``)
and one check symbol. The check symbol makes the weighted sum of all ten symbols, taken as elements of GF(32) with
the distinct weights a^9 .. a^0 (a a primitive element), equal to zero. Distinct non-zero weights in a field mean
that every single-symbol substitution and every transposition of two symbols (adjacent or not) changes the sum, so a
typo is caught before any database lookup. A modular checksum over 32 could not promise the transpositions: 32 is
not prime.

A merchant may instead supply its own code (a promo code its POS already knows). Such a code has no check symbol,
so it must not have the shape of a generated code, or a typo in one could never be told from a merchant code.
"""

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from stampcard.core.codes import CROCKFORD32
from stampcard.core.errors import ValidationFailed

CODE_LENGTH = 10
RANDOM_LENGTH = CODE_LENGTH - 1

MERCHANT_CODE_MIN = 4
MERCHANT_CODE_MAX = 32
_MERCHANT_CODE_RE = re.compile(r"^[A-Z0-9]+$")

# GF(32) with the primitive polynomial x^5 + x^2 + 1.
_POLY = 0b100101


def _powers() -> list[int]:
    powers, value = [], 1
    for _step in range(31):
        powers.append(value)
        value <<= 1
        if value & 0b100000:
            value ^= _POLY
    return powers


_EXP = _powers()
_LOG = {v: i for i, v in enumerate(_EXP)}
# Position i (0 = first symbol) has weight a^(9 - i): the check symbol, last, has weight 1.
_WEIGHTS = [_EXP[CODE_LENGTH - 1 - i] for i in range(CODE_LENGTH)]
_INDEX = {ch: i for i, ch in enumerate(CROCKFORD32)}

# What people type for what they mean: Crockford's reading rules.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.]+")


class CodeSource(StrEnum):
    GENERATED = "generated"
    MERCHANT = "merchant"


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[(_LOG[a] + _LOG[b]) % 31]


def _weighted_sum(symbols: str) -> int:
    total = 0
    for weight, ch in zip(_WEIGHTS, symbols, strict=False):
        total ^= _mul(weight, _INDEX[ch])  # addition in GF(2^5) is XOR
    return total


def check_symbol(body: str) -> str:
    """The symbol that completes a 9-symbol body into a valid code (its weight is 1, so it is the body's sum)."""
    if len(body) != RANDOM_LENGTH or any(ch not in _INDEX for ch in body):
        raise ValueError(f"a code body is {RANDOM_LENGTH} Crockford symbols")
    return CROCKFORD32[_weighted_sum(body)]


def is_valid_generated(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in _INDEX for ch in code) and _weighted_sum(code) == 0


def random_code() -> str:
    body = "".join(secrets.choice(CROCKFORD32) for _ in range(RANDOM_LENGTH))
    return body + check_symbol(body)


def compact(value: str) -> str:
    """Upper case without spaces, dashes, dots or underscores: the form every code is stored and looked up in."""
    return _SEPARATORS.sub("", (value or "").strip().upper())


def has_generated_shape(compacted: str) -> bool:
    """Ten symbols that read (after Crockford's O->0, I/L->1) as base32: what a generated code looks like."""
    mapped = compacted.translate(_CONFUSABLES)
    return len(mapped) == CODE_LENGTH and all(ch in _INDEX for ch in mapped)


def format_code(code: str) -> str:
    """A generated code in two groups for reading ("K7QM2-XWP9H"); merchant codes as given."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


@dataclass(frozen=True)
class ParsedCode:
    value: str
    source: CodeSource


def parse_code(raw: str) -> ParsedCode:
    """Normalise what a cashier typed or a scanner read, and refuse a mistyped generated code before any lookup.

    Raises ValidationFailed(voucher_code_mistyped) for a code of the generated shape whose check symbol fails, and
    ValidationFailed(voucher_code_invalid) for something that cannot be a code at all.
    """
    compacted = compact(raw)
    if has_generated_shape(compacted):
        mapped = compacted.translate(_CONFUSABLES)
        if not is_valid_generated(mapped):
            raise ValidationFailed(
                _("This code has a typo: check it and type it again."), code="voucher_code_mistyped", field="code"
            )
        return ParsedCode(mapped, CodeSource.GENERATED)
    if not (MERCHANT_CODE_MIN <= len(compacted) <= MERCHANT_CODE_MAX) or not _MERCHANT_CODE_RE.match(compacted):
        raise ValidationFailed(_("This is not a voucher code."), code="voucher_code_invalid", field="code")
    return ParsedCode(compacted, CodeSource.MERCHANT)


def validate_merchant_code(raw: str) -> str:
    """A merchant-supplied code in its stored form, or ValidationFailed."""
    compacted = compact(raw)
    if not (MERCHANT_CODE_MIN <= len(compacted) <= MERCHANT_CODE_MAX) or not _MERCHANT_CODE_RE.match(compacted):
        raise ValidationFailed(
            _("A voucher code has 4 to 32 letters and digits (spaces and dashes are ignored)."),
            code="voucher_code_invalid",
            field="code",
        )
    if has_generated_shape(compacted):
        raise ValidationFailed(
            _(
                "Codes of 10 symbols from the generated alphabet are reserved for generated codes: "
                "use a shorter or longer code."
            ),
            code="voucher_code_reserved_shape",
            field="code",
        )
    return compacted
