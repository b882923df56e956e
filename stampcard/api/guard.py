"""One gate for hostile input in front of every view: the APIs, the scanner app, the customer pages, the wallets.

PostgreSQL refuses a NUL in any text, and text with lone surrogates cannot even be encoded for the database: either
would surface as a 500 from deep inside a query, in whichever view first stores or looks up the value. Rather than
guard each field, the request is checked once, here, before any view runs:

- the path (every segment) and header values carry no control characters at all;
- query strings, form bodies and JSON bodies (keys and string values, at any depth) carry no NUL, no other C0
  control except tab, line feed and carriage return, no DEL and no lone surrogate;
- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413, not the 500 Django's ``RequestDataTooBig`` becomes once a
  view reads the body;
- a cookie with such characters is dropped (as if the browser had not sent it), so a poisoned cookie can neither
  break the session lookup nor lock its browser out.

Refusals are 400 ``invalid_characters`` (``details.where`` says path, query, header or body; ``details.field`` the
offending parameter or the dotted path of the JSON field) and 413 ``payload_too_large``, in the error shape of the
APIs for API paths, as plain text for pages. Multipart bodies (file uploads) are left to Django's forms, whose
``CharField`` refuses NUL itself.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from stampcard.api import jsonbody
from stampcard.api.idempotency import render_error
from stampcard.core.errors import ApplicationError, BadRequest

# Anything but tab (in headers); in a path, not even that.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In values a person typed: tab, line feed and carriage return are text; lone surrogates cannot be stored.
_VALUE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Paths whose callers parse JSON errors: the APIs, the wallet web services, the Poster webhook.
JSON_PREFIXES = ("/api/", "/scanner/api/", "/wallet/", "/integrations/poster/webhook")

_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


class InvalidCharacters(ApplicationError):
    status = 400
    code = "invalid_characters"
    default_message = _(
        "The request contains characters that are not allowed (such as a NUL byte or another control character)."
    )


class PayloadTooLarge(ApplicationError):
    status = 413
    code = "payload_too_large"
    default_message = _("The request body is too large.")


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _drop_poisoned_cookies(request)
        try:
            _check(request)
        except ApplicationError as refusal:
            return _refuse(request, refusal)
        return self.get_response(request)


def _check(request: HttpRequest) -> None:
    if _PATH_CONTROL.search(request.path) or _PATH_CONTROL.search(request.path_info):
        raise InvalidCharacters(where="path")
    for name, value in request.META.items():
        if not (name.startswith("HTTP_") or name == "CONTENT_TYPE") or name == "HTTP_COOKIE":
            continue  # cookies: see _drop_poisoned_cookies
        if isinstance(value, str) and _CONTROL.search(value):
            raise InvalidCharacters(where="header", field=name.removeprefix("HTTP_").replace("_", "-").title())
    _check_pairs(request.GET.lists(), where="query")
    _check_body(request)


def _check_pairs(pairs: Iterable[tuple[str, list[str]]], *, where: str) -> None:
    for key, values in pairs:
        if _VALUE_CONTROL.search(key) or any(_VALUE_CONTROL.search(value) for value in values):
            raise InvalidCharacters(where=where, field=_printable(key))


def _check_body(request: HttpRequest) -> None:
    content_type = request.content_type or ""
    if content_type == _MULTIPART:
        return
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE) from None
    if not body:
        return
    if content_type == _FORM:
        try:
            _check_pairs(request.POST.lists(), where="body")
        except TooManyFieldsSent:
            raise BadRequest(_("The form has too many fields.")) from None
        return
    # Any other body may be JSON (django-ninja parses a body as JSON whatever its content type says).
    try:
        data = jsonbody.parsed(request)  # parsed once: the fingerprint and ninja read it from the request
    except RecursionError:
        raise BadRequest(_("The JSON body is nested too deeply.")) from None
    except ValueError:
        return  # not JSON: the view refuses it in its own words
    if (field := _bad_json_field(data)) is not None:
        raise InvalidCharacters(where="body", field=field)


def _bad_json_field(data: Any) -> str | None:
    """The dotted path of the first string (key or value) with forbidden characters, or None."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _VALUE_CONTROL.search(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _VALUE_CONTROL.search(key):
                    return _printable(child)
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value))
    return None


def _printable(text: str) -> str:
    """``text`` safe to echo back in an answer (and to store, should a client log it)."""
    return _VALUE_CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def _drop_poisoned_cookies(request: HttpRequest) -> None:
    cookies = request.COOKIES
    if any(_CONTROL.search(name) or _CONTROL.search(value) for name, value in cookies.items()):
        request.COOKIES = {n: v for n, v in cookies.items() if not (_CONTROL.search(n) or _CONTROL.search(v))}


def _refuse(request: HttpRequest, refusal: ApplicationError) -> HttpResponse:
    # This runs before the session and locale middleware: answer in the language the request asks for all the same.
    with translation.override(translation.get_language_from_request(request)):
        if request.path.startswith(JSON_PREFIXES):
            return render_error(refusal)
        return HttpResponse(str(refusal.message), status=refusal.status, content_type="text/plain; charset=utf-8")
