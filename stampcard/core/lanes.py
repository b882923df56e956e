"""Browser-page middleware that the token-authenticated POS API (``/api/``) skips.

A till's request carries a bearer key, no cookies: it has no signed-in user, second factor, flash messages or htmx
headers to set up. Session and CSRF stay Django's own middleware: the session is only loaded when read (nothing on
the API reads it), ninja's views are exempt from CSRF, and ``check --deploy`` looks for both by name. Each
middleware here wraps Django's (or a package's) own and passes ``/api/`` requests straight through; every other path
gets the wrapped middleware unchanged. The Content-Security-Policy of an API answer is one constant string rather
than a policy django-csp builds per response (``CspForPages``). The rest of the stack (security headers, the input
guard, the language of the answer, metrics, request ids, the API's JSON error pages) runs for the API as before.
"""

from typing import cast

from csp.middleware import CSPMiddleware
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxMiddleware
from django_otp.middleware import OTPMiddleware

TOKEN_API_PREFIX = "/api/"
# The policy of every API answer that is not a page: JSON loads nothing and no site may frame it.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def is_token_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(TOKEN_API_PREFIX)


class PagesOnly:
    """Mixed in before a page middleware: ``/api/`` requests go straight to the next one. Subclassing (rather than
    wrapping) keeps ``issubclass`` checks working, e.g. the admin's for the session, auth and messages middleware."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_token_api(request):
            return self.get_response(request)  # type: ignore[attr-defined]  # the middleware's own
        return super().__call__(request)  # type: ignore[misc]


class AuthenticationForPages(PagesOnly, AuthenticationMiddleware):
    pass


class OtpForPages(PagesOnly, OTPMiddleware):
    pass


class MessagesForPages(PagesOnly, MessageMiddleware):
    pass


class HtmxForPages(PagesOnly, HtmxMiddleware):
    pass


class CspForPages(CSPMiddleware):
    """django-csp's policy, built per response with its nonce, for pages (the API's docs page among them); every
    other ``/api/`` answer gets one constant, stricter policy instead of a policy built on each request."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_token_api(request) and not request.path_info.endswith("/docs"):
            # The stack is synchronous (WSGI): the next middleware answers, it does not return an awaitable.
            response = cast(HttpResponseBase, self.get_response(request))
            response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
            return response
        return cast(HttpResponseBase, super().__call__(request))
