"""Writes of outbound webhooks: endpoints (register, change, switch off, roll the secret, remove), replays, test
events, and ``event_emit`` for the automations and campaigns that raise events the ledger does not record.

Every write here is rows only; the worker sends (``sender``) after the commit. A write that wants the send to start
at once queues the sender task on commit.
"""

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction

from stampcard.campaigns.webhooks import addresses, events, feed, selectors, signing
from stampcard.campaigns.webhooks.errors import (
    WebhookEndpointInactive,
    WebhookEndpointsLimited,
    WebhookEventUnknown,
)
from stampcard.campaigns.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from stampcard.core import clock
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Merchant, Role

MAX_ENDPOINTS = 20


def _events_clean(chosen: list[str]) -> list[str]:
    unknown = [name for name in chosen if name not in events.EVENT_NAMES]
    if unknown:
        raise WebhookEventUnknown(unknown=unknown)
    if not chosen:
        raise WebhookEventUnknown(events_required=True)
    return [name for name in events.EVENT_NAMES if name in set(chosen)]


def _send_soon() -> None:
    from stampcard.campaigns.webhooks import tasks

    transaction.on_commit(tasks.webhooks_send_soon)


def endpoint_create(
    *,
    actor: Actor,
    url: str,
    events_chosen: list[str],
    description: str = "",
    is_active: bool = True,
    resolve: addresses.Resolver | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its new secret. The address is checked (a DNS lookup) before the
    transaction."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    target = addresses.url_check(url, resolve=resolve)
    chosen = _events_clean(events_chosen)
    secret = signing.secret_new()
    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=actor.merchant.pk).first()  # counts below without a race
        if WebhookEndpoint.objects.filter(merchant=actor.merchant).count() >= MAX_ENDPOINTS:
            raise WebhookEndpointsLimited(limit=MAX_ENDPOINTS)
        endpoint = WebhookEndpoint(
            merchant=actor.merchant,
            url=target.url,
            description=description.strip(),
            events=chosen,
            is_active=is_active,
            created_by=actor.user,
        )
        endpoint.secret = secret
        endpoint.save(force_insert=True)
    return endpoint, secret


def endpoint_update(
    *,
    actor: Actor,
    endpoint_id: Any,
    url: str | None = None,
    events_chosen: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    resolve: addresses.Resolver | None = None,
) -> WebhookEndpoint:
    """Change what is given; the address is checked (a DNS lookup) before the transaction."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    current = selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id)
    checked = addresses.url_check(url, resolve=resolve).url if url is not None and url.strip() != current.url else None
    chosen = _events_clean(events_chosen) if events_chosen is not None else None
    with transaction.atomic():
        return _endpoint_change(
            actor=actor,
            endpoint_id=current.pk,
            url=checked,
            chosen=chosen,
            description=description,
            is_active=is_active,
        )


def _endpoint_change(
    *,
    actor: Actor,
    endpoint_id: Any,
    url: str | None,
    chosen: list[str] | None,
    description: str | None,
    is_active: bool | None,
) -> WebhookEndpoint:
    endpoint = selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id, lock=True)
    fields = []
    if url is not None:
        endpoint.url = url
        fields.append("url")
    if chosen is not None:
        endpoint.events = chosen
        fields.append("events")
    if description is not None:
        endpoint.description = description.strip()
        fields.append("description")
    if is_active is not None:
        endpoint.is_active = is_active
        fields.append("is_active")
    if fields:
        endpoint.save(update_fields=fields)
    return endpoint


@transaction.atomic
def endpoint_secret_roll(*, actor: Actor, endpoint_id: Any) -> str:
    """A new secret for the endpoint, from the next attempt on; returns it."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    endpoint = selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id, lock=True)
    secret = signing.secret_new()
    endpoint.secret = secret
    endpoint.secret_rolled_at = clock.now()
    endpoint.save(update_fields=["secret_digest", "secret_sealed", "secret_rolled_at"])
    return secret


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint_id: Any) -> None:
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id, lock=True).delete()


@transaction.atomic
def delivery_replay(*, actor: Actor, delivery_id: Any) -> WebhookDelivery:
    """Send a delivery again, now, with the same id and body (a fresh 24-hour window of retries)."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    delivery = selectors.delivery_get(merchant=actor.merchant, delivery_id=delivery_id, lock=True)
    if not delivery.endpoint.is_active:
        raise WebhookEndpointInactive()
    now = clock.now()
    delivery.state, delivery.next_attempt_at, delivery.window_started_at = DeliveryState.PENDING, now, now
    delivery.failed_at, delivery.replayed_at, delivery.claimed_until = None, now, None
    delivery.save(
        update_fields=["state", "next_attempt_at", "window_started_at", "failed_at", "replayed_at", "claimed_until"]
    )
    _send_soon()
    return delivery


@transaction.atomic
def endpoint_test_send(*, actor: Actor, endpoint_id: Any) -> WebhookDelivery:
    """Queue a ``ping`` event to the endpoint (whatever events it chose), to check the receiving side."""
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    endpoint = selectors.endpoint_get(merchant=actor.merchant, endpoint_id=endpoint_id)
    if not endpoint.is_active:
        raise WebhookEndpointInactive()
    now = clock.now()
    occurrence = feed.Occurrence(
        name=events.TEST_EVENT,
        key=f"test:{uuid.uuid4()}",
        merchant_id=actor.merchant.pk,
        at=now,
        data={"message": "A test event from stampcard.", "endpoint_id": str(endpoint.pk)},
    )
    delivery = WebhookDelivery.objects.create(
        merchant=actor.merchant,
        endpoint=endpoint,
        event=occurrence.name,
        event_key=occurrence.key,
        event_id=occurrence.event_id,
        body=occurrence.body(),
        window_started_at=now,
        next_attempt_at=now,
    )
    _send_soon()
    return delivery


def event_emit(*, merchant: Merchant, event: str, key: str, data: dict[str, Any], at: datetime | None = None) -> int:
    """Raise a catalogue event that no ledger line records (``birthday.reached``, ``inactivity.reached``,
    ``campaign.sent``): a delivery to each endpoint that chose it. ``key`` names the occurrence (e.g.
    ``birthday:<card>:2027``); emitting the same key again makes nothing new. Call it inside the transaction that
    records the occurrence: the deliveries commit with it."""
    if event not in events.EVENT_NAMES:
        raise ValueError(f"{event!r} is not in the webhook catalogue")
    now = at or clock.now()
    made = feed.deliveries_make(
        [feed.Occurrence(name=event, key=f"{event}:{key}", merchant_id=merchant.pk, at=now, data=data)], now=now
    )
    if made:
        _send_soon()
    return made
