"""A per-address limit on opening customer pages (``/c/`` web cards, ``/r/`` receipt claims, ``/i/`` inserts,
``/v/`` vouchers), so their links cannot be scraped or flooded from one address.

Generous on purpose: a cafe's Wi-Fi or a carrier's NAT puts many customers behind one address, and every link holds
128 random bits, so this is about floods, not guessing. Counted in the cache (``throttle_take_cached``): opening a
page writes nothing to the database. Past the limit the customer gets a page in their language saying when to try
again, with ``Retry-After``.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from stampcard.core.http import private
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take_cached

PREFIXES = ("/c/", "/r/", "/i/", "/v/")


class PageViewLimitMiddleware:
    """Install after LocaleMiddleware (the refusal page speaks the visitor's language)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and request.path.startswith(PREFIXES):
            refused = page_view_take(request)
            if refused is not None:
                return refused
        return self.get_response(request)


def page_view_take(request: HttpRequest) -> HttpResponse | None:
    # REMOTE_ADDR: behind a proxy the deployment must set it from the trusted forwarded header (docs/operations.md).
    ip = str(request.META.get("REMOTE_ADDR") or "")
    if not ip:
        return None
    knobs = settings.STAMPCARD
    digest = salted_hmac("stampcard.core.pagelimits.ip", ip, algorithm="sha256").hexdigest()[:32]
    limit = Limit(f"page-ip:{digest}", knobs["PAGE_VIEWS_PER_IP"], knobs["PAGE_VIEWS_WINDOW_SECONDS"])
    try:
        throttle_take_cached(limit=limit)
    except ThrottleExceeded as refused:
        minutes = max(1, (refused.retry_after + 59) // 60)
        context = {
            "title": _("Too many pages opened"),
            "text": _("Too many pages were opened from this network. Try again in %(minutes)d min.")
            % {"minutes": minutes},
        }
        response = private(render(request, "customer/too_many.html", context, status=429))
        response["Retry-After"] = str(refused.retry_after)
        return response
    return None
