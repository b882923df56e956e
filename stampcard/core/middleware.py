"""Response headers that depend on the path: pages another site may show in a frame."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class FrameAncestorsMiddleware:
    """For a path under a prefix of ``FRAME_ANCESTORS_BY_PATH``, the CSP ``frame-ancestors`` becomes that prefix's
    list of origins and X-Frame-Options is left out (it can only say DENY or SAMEORIGIN). Sits after django-csp's
    middleware in MIDDLEWARE, so it edits the response before the policy is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        for prefix, origins in settings.FRAME_ANCESTORS_BY_PATH.items():
            if request.path.startswith(prefix):
                replace = dict(getattr(response, "_csp_replace", None) or {})
                replace["frame-ancestors"] = list(origins) or ["'none'"]
                response._csp_replace = replace  # type: ignore[attr-defined]  # django-csp's per-response override
                if "X-Frame-Options" in response:  # Django's clickjacking middleware (further in) set DENY
                    del response["X-Frame-Options"]
                break
        return response
