"""Which language a recipient reads (their own: ``customers.languages``), and which written part they get."""

from stampcard.customers.languages import customer_language
from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant


def recipient_language(*, customer: Customer) -> str:
    """The customer's own language (the one they joined in or chose on their web card), which every channel
    writes to them in."""
    return customer_language(customer)


def part_for(parts: dict[str, dict[str, str]], *, language: str, merchant: Merchant) -> tuple[str, dict[str, str]]:
    """The part written in ``language``, else in the merchant's language, else the first one; with its language."""
    for candidate in (language, merchant.locale):
        if candidate in parts:
            return candidate, parts[candidate]
    first = next(iter(parts))
    return first, parts[first]
