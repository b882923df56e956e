"""Reading a place's coordinates from what a merchant pastes: "50.4501, 30.5234", "50.4501° N, 30.5234° E", or a
Google Maps link that has them in it. Nobody should have to split the numbers by hand."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ValidationFailed

PLACES = Decimal("0.000001")  # the model keeps six decimals: about 10 cm
_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
# In Google Maps links: the dropped pin (!3d<lat>!4d<lon>) is the place itself; @<lat>,<lon> is the map's centre.
_PIN = re.compile(rf"!3d({_NUMBER})!4d({_NUMBER})")
_CENTRE = re.compile(rf"@({_NUMBER}),({_NUMBER})")
_QUERY_KEYS = ("q", "query", "ll", "center", "destination", "daddr")
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*°?\s*([NSns])?\s*[,;\s]\s*({_NUMBER})\s*°?\s*([EWew])?\s*$")
_SHORT_LINK_HOSTS = ("maps.app.goo.gl", "goo.gl")


def _refused(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field="coordinates")


def _decimal(text: str, hemisphere: str | None) -> Decimal:
    value = Decimal(text)
    if hemisphere and hemisphere.upper() in "SW":
        value = -abs(value)
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _in_range(latitude: Decimal, longitude: Decimal) -> tuple[Decimal, Decimal]:
    if not Decimal(-90) <= latitude <= Decimal(90):
        raise _refused(
            str(_("The latitude (first number) is between -90 and 90; %(value)s is not. Are the two swapped?"))
            % {"value": latitude},
            "latitude_out_of_range",
        )
    if not Decimal(-180) <= longitude <= Decimal(180):
        raise _refused(
            str(_("The longitude (second number) is between -180 and 180; %(value)s is not.")) % {"value": longitude},
            "longitude_out_of_range",
        )
    return latitude, longitude


def _pair(text: str) -> tuple[Decimal, Decimal] | None:
    # Decimal commas ("50,4501; 30,5234") only when a semicolon separates the two numbers: else the comma is ambiguous.
    if ";" in text:
        text = text.replace(",", ".").replace(";", ",")
    found = _PAIR.match(text)
    if found is None:
        return None
    return _in_range(_decimal(found[1], found[2]), _decimal(found[3], found[4]))


def _from_link(url: str) -> tuple[Decimal, Decimal] | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _SHORT_LINK_HOSTS:
        raise _refused(
            str(
                _(
                    "A short map link has no coordinates in it. Open it, then copy the full link from the address "
                    "bar, or right-click the place in Google Maps and copy the two numbers it shows."
                )
            ),
            "coordinates_short_link",
        )
    path = unquote(parts.path)
    for pattern in (_PIN, _CENTRE):
        found = pattern.search(path) or pattern.search(unquote(parts.query))
        if found:
            return _in_range(_decimal(found[1], None), _decimal(found[2], None))
    query = parse_qs(parts.query)
    for key in _QUERY_KEYS:
        for value in query.get(key, []):
            pair = _pair(value)
            if pair is not None:
                return pair
    return None


def coordinates_parse(text: str) -> tuple[Decimal, Decimal]:
    """Latitude and longitude from pasted text. Raises ValidationFailed (field ``coordinates``) saying what to paste."""
    text = text.strip()
    try:
        found = _from_link(text) if re.match(r"^https?://", text, re.IGNORECASE) else _pair(text)
    except InvalidOperation:
        found = None
    if found is None:
        raise _refused(
            str(
                _(
                    "No coordinates found. Paste two numbers, latitude then longitude, like “50.4501, 30.5234”, or a "
                    "Google Maps link with them in it."
                )
            ),
            "coordinates_unreadable",
        )
    return found
