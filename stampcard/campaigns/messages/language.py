"""Which language a recipient reads: one function, so that when customers remember their own language
(``customer.language``, issue 14) every channel follows it at once."""

from typing import Any

from django.conf import settings

from stampcard.merchants.models import Merchant


def recipient_language(*, customer: Any, merchant: Merchant) -> str:
    """The customer's own language when they have one, else the merchant's, else the site's."""
    known = {code for code, _name in settings.LANGUAGES}
    for candidate in (getattr(customer, "language", ""), merchant.locale, settings.LANGUAGE_CODE):
        if candidate and candidate in known:
            return candidate
    return settings.LANGUAGE_CODE


def part_for(parts: dict[str, dict[str, str]], *, language: str, merchant: Merchant) -> tuple[str, dict[str, str]]:
    """The part written in ``language``, else in the merchant's language, else the first one; with its language."""
    for candidate in (language, merchant.locale):
        if candidate in parts:
            return candidate, parts[candidate]
    first = next(iter(parts))
    return first, parts[first]
