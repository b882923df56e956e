"""What every API v1 router shares: the documented error responses and the acting staff member."""

from typing import Any

from django.http import HttpRequest

from stampcard.api.schemas import ErrorOut
from stampcard.merchants.actors import Actor

ERRORS: dict[int | str, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def actor_of(request: HttpRequest) -> Actor:
    """The staff member whose API key authenticated the request (set by ``ApiKeyAuth``)."""
    return request.auth  # type: ignore[attr-defined]
