"""Countries, currencies, time zones and languages for the sign-up and business forms, named in the viewer's
language by the CLDR data Babel ships, and a first guess of them from the browser's Accept-Language."""

import zoneinfo
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_territory_currencies, list_currencies
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

DEFAULT_COUNTRY = "UA"
DEFAULT_CURRENCY = "UAH"
DEFAULT_TIME_ZONE = "Europe/Kyiv"


def _locale() -> Locale:
    try:
        return Locale.parse(translation.get_language() or settings.LANGUAGE_CODE, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def country_choices() -> list[tuple[str, str]]:
    names = _locale().territories
    # Two letters are countries; CLDR's numeric codes are regions such as "Europe" or "World".
    return sorted(((code, name) for code, name in names.items() if len(code) == 2 and code.isalpha()), key=_by_name)


def currency_choices() -> list[tuple[str, str]]:
    names = _locale().currencies
    return sorted(
        ((code, f"{code} · {names.get(code, code)}") for code in _current_currencies()),
        key=lambda choice: choice[0],
    )


@cache
def _current_currencies() -> frozenset[str]:
    # Currencies some country still uses today: no "XEU" or the old Ukrainian karbovanets in the list.
    territories = get_global("territory_currencies").keys()
    in_use = {code for territory in territories for code in get_territory_currencies(territory)}
    return frozenset(in_use & set(list_currencies()))


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone and not zone.startswith("Etc/"))
    return [(zone, zone.replace("_", " ")) for zone in zones]


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


@dataclass(frozen=True)
class Guess:
    language: str
    country: str
    currency: str
    time_zone: str


def guess_from_browser(accept_language: str) -> Guess:
    """The browser's first language we speak, and the country of its first tag that names one (``uk-UA``), or the
    country where its language is most likely spoken (``uk`` -> Ukraine); the currency and a time zone of that
    country. The page's script replaces the time zone with the browser's own."""
    supported = {code for code, _name in settings.LANGUAGES}
    language, country = "", ""
    for tag, _quality in parse_accept_lang_header(accept_language or "")[:8]:
        if tag == "*":
            continue
        try:
            locale = Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError):
            continue
        if not language and locale.language in supported:
            language = locale.language
        if not country:
            country = locale.territory or ""
        if not country and locale.language == language:
            # CLDR's likely subtags: "uk" is most likely uk_Cyrl_UA, "en" en_Latn_US.
            likely = str(get_global("likely_subtags").get(locale.language, "")).split("_")
            country = likely[-1] if len(likely) > 1 and len(likely[-1]) == 2 else ""
    country = country or DEFAULT_COUNTRY
    currencies = [code for code in get_territory_currencies(country) if code in _current_currencies()]
    # CLDR still names Kyiv by its old name; elsewhere the first zone of the country is a guess the script corrects.
    zones = [DEFAULT_TIME_ZONE] if country == DEFAULT_COUNTRY else []
    zones += [zone for zone in get_global("territory_zones").get(country, ()) if zone in _zone_names()]
    return Guess(
        language=language or settings.LANGUAGE_CODE,
        country=country,
        currency=currencies[0] if currencies else DEFAULT_CURRENCY,
        time_zone=zones[0] if zones else DEFAULT_TIME_ZONE,
    )


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zone for zone, _label in time_zone_choices())
