"""What every page a customer reaches through a secret link (web card, voucher, recovery) answers with."""

from django.http import HttpResponse

# Not cached by shared caches or indexed; "same-origin", not "no-referrer": under no-referrer Chromium posts forms with
# "Origin: null", which Django's CSRF check refuses. Same-origin still keeps the secret URLs from other sites.
PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex"}


def private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response
