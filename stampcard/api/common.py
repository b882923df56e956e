"""What every API v1 router shares: the documented error responses and the acting staff member."""

from contextlib import AbstractContextManager
from typing import Any

from django.http import HttpRequest

from stampcard.api import misses
from stampcard.api.schemas import ErrorOut
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role

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


def manager_of(request: HttpRequest) -> Actor:
    """The acting staff member, who must be a manager or the owner (RoleForbidden otherwise)."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return actor


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a proxy the deployment must set it from the trusted forwarded header (docs/operations.md).
    return str(request.META.get("REMOTE_ADDR") or "")


def who_of(request: HttpRequest) -> misses.Who:
    """The API key and address of a request, as the miss limits count them."""
    actor = actor_of(request)
    return misses.Who(merchant=actor.merchant, api_key=actor.api_key, ip=client_ip(request))


def lookup_guard(
    request: HttpRequest, *, miss_statuses: tuple[int, ...] = misses.MISS_STATUSES
) -> AbstractContextManager[misses.Attempt]:
    """Guard a card or receipt lookup of an API v1 request with the miss limits (``misses.LOOKUPS``)."""
    who = who_of(request)
    return misses.miss_guard(
        family=misses.LOOKUPS, scopes=misses.lookup_scopes(who=who), who=who, miss_statuses=miss_statuses
    )
