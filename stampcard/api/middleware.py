"""JSON answers for the API's own 404 and 405.

django-ninja answers errors raised inside an operation, but an unknown path under ``/api/`` reaches Django's HTML
404 page and a wrong method gets ninja's plain-text 405. A POS client parses every API answer as JSON with a
``code``, so both are rewritten here into the API's error shape.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from stampcard.api.idempotency import render_error
from stampcard.core.errors import ApplicationError, NotFound

API_PREFIX = "/api/"


class MethodNotAllowed(ApplicationError):
    status = 405
    code = "method_not_allowed"
    default_message = _("This method is not allowed here.")


class ApiErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # already ours, e.g. card_not_found
        if response.status_code == 404:
            return render_error(NotFound(_("There is no such endpoint in this API."), code="endpoint_not_found"))
        json_response = render_error(MethodNotAllowed())
        if allow := response.get("Allow"):
            json_response["Allow"] = allow
        return json_response
