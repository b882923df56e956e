"""Small builders for API tests: JSON requests, checkout bodies and the error shape of DESIGN.md §5."""

import itertools
from typing import Any

from django.http import HttpResponse
from django.test import Client

from stampcard.cards.models import Card

API = "/api/v1"

_ids = itertools.count(1)


def post(client: Client, path: str, body: Any = None, **headers: str) -> HttpResponse:
    """POST a JSON body (an empty object when none is given) to an API v1 path."""
    return client.post(API + path, data={} if body is None else body, content_type="application/json", headers=headers)


def get(client: Client, path: str, **params: str) -> HttpResponse:
    return client.get(API + path, data=params)


def checkout_body(
    card: Card | str, *, external_id: str | None = None, total: int = 12550, currency: str = "UAH", **extra: Any
) -> dict[str, Any]:
    """A POST /checkouts body naming the card by its number (or by the reference given)."""
    ref = card if isinstance(card, str) else card.number
    return {
        "card": ref,
        "check": {"external_id": external_id or f"API-{next(_ids)}", "total": total, "currency": currency},
        **extra,
    }


def error_of(response: HttpResponse, status: int) -> dict[str, Any]:
    """The error body of a refusal, after checking its status and that it has exactly the public error shape."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body
