"""The JSON error answers of every NinjaAPI of the project (the POS API v1, the scanner app's API): one shape,
``{"code", "message", "details"}``, whatever went wrong, so a client reads every failure the same way."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from stampcard.api.guard import PayloadTooLarge
from stampcard.api.idempotency import render_error, render_json
from stampcard.core.errors import ApplicationError, BadRequest, NotFound

logger = logging.getLogger(__name__)


def install_error_handlers(api: NinjaAPI, *, not_authenticated: Callable[[], ApplicationError]) -> None:
    """Map errors to JSON answers on ``api``; ``not_authenticated`` makes the 401 of a missing or bad credential."""

    @api.exception_handler(ApplicationError)
    def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = render_error(exc)
        if exc.status == 429 and exc.details.get("retry_after") is not None:
            response["Retry-After"] = str(exc.details["retry_after"])
        return response

    @api.exception_handler(ValidationError)
    def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        # A missing body as a whole has no field of its own: name it "body" rather than "".
        fields = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")) or "body",
                "problem": e.get("msg", ""),
            }
            for e in exc.errors
        ]
        return render_json(
            {"code": "validation_error", "message": _("Some fields are invalid."), "details": {"fields": fields}}, 422
        )

    @api.exception_handler(AuthenticationError)
    def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return render_error(not_authenticated())

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return render_error(NotFound())

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {400: "bad_request", 405: "method_not_allowed", 413: "payload_too_large"}.get(exc.status_code, "error")
        return render_json({"code": code, "message": str(exc), "details": {}}, exc.status_code)

    # The input guard (``stampcard.api.guard``) answers these before a view runs; a body read another way (a
    # multipart form) still meets them here, and Django would otherwise leave them to the 500 handler below.
    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return render_error(PayloadTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return render_error(BadRequest())

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return render_json(
            {"code": "internal_error", "message": _("Something went wrong on our side."), "details": {}}, 500
        )
