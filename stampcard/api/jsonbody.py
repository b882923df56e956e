"""A request's JSON body, parsed once.

Three readers want it on every API write: the input guard (control characters in any string), the idempotency
fingerprint (the body's canonical form) and django-ninja (the operation's schema). The guard parses it first, before
any view, and leaves the result on the request; the others take it from there, and parse the body themselves only
when the guard did not (a body that is not JSON, or a request the guard never saw, such as a test calling a view).
The body of a request never changes once read, so the parsed value stays its own.
"""

import json
from typing import Any, cast

from django.http import HttpRequest
from ninja.parser import Parser
from ninja.types import DictStrAny

_ATTRIBUTE = "_stampcard_json_body"


def remember(request: HttpRequest, data: Any) -> None:
    setattr(request, _ATTRIBUTE, data)


def parsed(request: HttpRequest) -> Any:
    """The body as JSON (raises ValueError when it is not JSON)."""
    try:
        return getattr(request, _ATTRIBUTE)
    except AttributeError:
        data = json.loads(request.body)
        remember(request, data)
        return data


class RememberedJsonParser(Parser):
    """django-ninja's JSON parser, answering from the body the guard already parsed."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        return cast(DictStrAny, parsed(request))
