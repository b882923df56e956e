"""Webhook objects -> API payloads (the shapes in ``schemas``)."""

from typing import Any

from stampcard.campaigns.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_payload(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
        "created_at": endpoint.created_at,
        "secret_rolled_at": endpoint.secret_rolled_at,
    }
    if secret is not None:
        payload["secret"] = secret
    return payload


def attempt_payload(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "error": attempt.error,
    }


def delivery_payload(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.pk),
        "endpoint_id": str(delivery.endpoint_id),
        "event": delivery.event,
        "event_id": str(delivery.event_id),
        "state": delivery.state,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "failed_at": delivery.failed_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "attempt_list": [attempt_payload(a) for a in getattr(delivery, "attempt_list", [])],
    }
