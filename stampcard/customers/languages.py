"""Which language a customer reads: their web card, their passes, the emails we send them.

A customer keeps the language they joined in (``Customer.language``); they may change it on their web card. Anything
written for one customer (a page, a pass, an email) runs inside ``translation.override(customer_language(customer))``.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import pgettext_lazy

from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant


def supported_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# A language's name inside a sentence or a label ("Subject (English)"): Ukrainian writes it in lower case there
# ("Тема (англійська)"), while settings.LANGUAGES holds the stand-alone form a language menu shows.
_INLINE_NAMES = {
    "en": pgettext_lazy("a language's name inside a label", "English"),
    "uk": pgettext_lazy("a language's name inside a label", "Ukrainian"),
}


def language_name_inline(code: str) -> str:
    """The name of language ``code`` as it reads inside a label, in the reader's language."""
    name = _INLINE_NAMES.get(code)
    return str(name) if name is not None else str(dict(settings.LANGUAGES).get(code, code))


def language_normalize(value: str | None) -> str:
    """``value`` as one of ``settings.LANGUAGES`` ("uk-UA" and "uk_ua" -> "uk"), or "" when it is none of them."""
    code = (value or "").strip().lower().replace("_", "-")
    if code in supported_languages():
        return code
    base = code.split("-", 1)[0]
    return base if base in supported_languages() else ""


def merchant_language(merchant: Merchant) -> str:
    """The merchant's language (``Merchant.locale``) as a supported language; the site's default otherwise."""
    return language_normalize(merchant.locale) or settings.LANGUAGE_CODE


def customer_language(customer: Customer) -> str:
    """The language to write to ``customer`` in: their own, else their merchant's (a row from before the field)."""
    return language_normalize(customer.language) or merchant_language(customer.merchant)


def customer_language_activate(request: HttpRequest, customer: Customer) -> str:
    """Answer ``request`` (a page of ``customer``'s own: their web card, its data page, a voucher in it) in their
    language, whatever the browser asks for; the locale middleware then labels the response with it."""
    language = customer_language(customer)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language
