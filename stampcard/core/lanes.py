"""Browser-page middleware that the token-authenticated POS API (``/api/``) skips.

A till's request carries a bearer key, no cookies: it has no signed-in user, second factor, flash messages or htmx
headers to set up. Session and CSRF stay Django's own middleware: the session is only loaded when read (nothing on
the API reads it), ninja's views are exempt from CSRF, and ``check --deploy`` looks for both by name. Each
middleware here wraps Django's (or a package's) own and passes ``/api/`` requests straight through; every other path
gets the wrapped middleware unchanged. The rest of the stack (security headers, CSP, the input guard, the language
of the answer, metrics, request ids, the API's JSON error pages) runs for the API as before.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxMiddleware
from django_otp.middleware import OTPMiddleware

TOKEN_API_PREFIX = "/api/"


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
