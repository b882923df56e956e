"""Poster's two money scales, converted in one place.

- The Web API's reports and catalogue (``dash.*``, ``menu.getProducts`` prices, ``clients.*`` bonus and sums) give
  **hundredths** of the account currency ("in cents" / "в копейках" in Poster's docs), as strings: ``"2750"`` is
  27.50 UAH. CUP live-verified that ``dash.getTransaction`` uses that scale (reference/poster.md §1).
- The POS platform's JS objects (``Order.total``, ``products[].price``) and some REST order methods
  (``payments.addTransactionPayment``) give **major units**, as numbers: ``27.5``.

stampcard keeps money as integer ISO 4217 minor units. For a currency with two decimals (UAH, EUR, KZT, GEL…)
Poster's hundredths are our minor units; the others are rescaled.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# ISO 4217 currencies whose minor unit is not 1/100. Everything else has two decimals.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0,
    "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


class MoneyFormatError(ValueError):
    """Poster sent something that is not an amount."""


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise MoneyFormatError(f"not an amount: {value!r}")
    try:
        # str() first: a float like 10.5 must become Decimal("10.5"), not its binary expansion.
        amount = Decimal(str(value).strip() or "0")
    except InvalidOperation as exc:
        raise MoneyFormatError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyFormatError(f"not an amount: {value!r}")
    return amount


def cents(value: Any) -> int:
    """A Web API amount in hundredths (``"2750"``), as an int. Empty or missing counts as 0; fractions are refused."""
    if value in (None, ""):
        return 0
    amount = _decimal(value)
    if amount != amount.to_integral_value():
        raise MoneyFormatError(f"hundredths must be whole: {value!r}")
    return int(amount)


def cents_to_minor(amount_cents: int, *, currency: str) -> int:
    """Poster hundredths of ``currency`` -> ISO 4217 minor units of it."""
    exponent = currency_exponent(currency)
    if exponent == 2:
        return amount_cents
    scaled = Decimal(amount_cents) * (Decimal(10) ** exponent) / Decimal(100)
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def major_to_minor(value: Any, *, currency: str) -> int:
    """A POS-platform amount in major units (``27.5``) -> minor units (``2750`` for UAH), rounded half up."""
    scaled = _decimal(value) * (Decimal(10) ** currency_exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minor_to_cents(amount_minor: int, *, currency: str) -> int:
    """ISO minor units -> Poster hundredths (the stand-in and tests build Poster payloads with it)."""
    exponent = currency_exponent(currency)
    if exponent == 2:
        return amount_minor
    return int((Decimal(amount_minor) * 100 / (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
