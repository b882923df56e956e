"""Receiving Poster's webhooks: verify, store once, answer at once; act later in a task.

A delivery is a JSON body (DOCS en/web/webhooks.md; Content-Type is undocumented, so none is required) with
``account, account_number, object, object_id, action, time, verify`` and an optional ``data``. Poster repeats an
unanswered webhook 15 more times over two days, so each delivery is stored under a unique key of what identifies it
(the signed fields: account, object, object_id, action, data, time); the unique index, not a look-up, turns a
redelivery into a no-op. Whether Poster keeps ``time`` across retries is not documented: if it does not, the
redelivery is stored again and its processing is still idempotent (a check commits once, a reversal replays).

``application`` deliveries are applied inline (they only store a token, and it must not sit in clear in a stored
body or a task argument); everything else is processed by ``tasks.poster_delivery_process`` after commit.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from stampcard.core import clock
from stampcard.poster import deliveries, selectors, services, signatures, tasks
from stampcard.poster.models import PosterWebhookDelivery

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("stampcard.security")

REDACTED = "[redacted]"
MAX_BODY_BYTES = 256 * 1024


class WebhookMalformed(Exception):
    pass


class WebhookSignatureInvalid(Exception):
    pass


@dataclass
class Received:
    delivery: PosterWebhookDelivery
    duplicate: bool


def webhook_parse(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY_BYTES:
        raise WebhookMalformed("body too large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookMalformed("not JSON") from exc
    if not isinstance(body, dict):
        raise WebhookMalformed("not a JSON object")
    missing = [name for name in ("account", "object", "object_id", "action", "time", "verify") if name not in body]
    if missing:
        raise WebhookMalformed(f"missing {', '.join(missing)}")
    return body


def dedupe_key(body: dict[str, Any]) -> str:
    """What identifies a delivery: the signed fields (which include ``time`` and ``data``), hashed."""
    return hashlib.sha256("\x1f".join(signatures.webhook_fields(body)).encode()).hexdigest()


def _data_object(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    return data if isinstance(data, dict) else {}


def _stored_body(raw: bytes, body: dict[str, Any]) -> str:
    """The body exactly as received, unless it carries an access token: then a copy with the token redacted."""
    data = _data_object(body)
    if "access_token" not in data:
        return raw.decode("utf-8", errors="replace")
    data = {**data, "access_token": REDACTED}
    copy = {**body, "data": json.dumps(data, ensure_ascii=False) if isinstance(body.get("data"), str) else data}
    return json.dumps(copy, ensure_ascii=False)


def _sent_at(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def delivery_receive(*, raw: bytes, remote_addr: str | None) -> Received:
    """Verify and store one delivery. Raises WebhookMalformed or WebhookSignatureInvalid (nothing is stored then,
    but a security log line). A redelivery returns the stored one with ``duplicate=True``."""
    body = webhook_parse(raw)
    account = signatures.php_string(body.get("account"))
    if not signatures.webhook_signature_valid(body, secret=settings.POSTER_APPLICATION_SECRET):
        security_logger.warning(
            "poster webhook: bad signature account=%r object=%r remote_addr=%s",
            account[:64],
            signatures.php_string(body.get("object"))[:64],
            remote_addr,
        )
        raise WebhookSignatureInvalid()
    key = dedupe_key(body)
    with transaction.atomic():
        poster_account = selectors.poster_account_by_login(account=account)
        delivery = PosterWebhookDelivery(
            poster_account=poster_account,
            account=account[:64],
            account_number=signatures.php_string(body.get("account_number"))[:32],
            object=signatures.php_string(body.get("object"))[:64],
            object_id=signatures.php_string(body.get("object_id"))[:64],
            action=signatures.php_string(body.get("action"))[:32],
            time=signatures.php_string(body.get("time"))[:32],
            sent_at=_sent_at(body.get("time")),
            raw_body=_stored_body(raw, body),
            signature_ok=True,
            dedupe_key=key,
            remote_addr=remote_addr or None,
            received_at=clock.now(),
        )
        try:
            with transaction.atomic():
                delivery.save(force_insert=True)
        except IntegrityError:
            return Received(delivery=PosterWebhookDelivery.objects.get(dedupe_key=key), duplicate=True)
        if delivery.object == "application":
            outcome, poster_account = services.application_event_apply(
                account=account,
                account_number=delivery.account_number,
                action=delivery.action,
                data=_data_object(body),
            )
            delivery.poster_account = poster_account
            deliveries.delivery_finish(delivery, outcome, {})
        else:
            delivery_id, lease = delivery.pk, deliveries.lease_new()
            # robust: a failed enqueue must not turn into an error answer (Poster's retry would be a duplicate);
            # ``tasks.poster_deliveries_resume`` picks up a delivery whose processing never started.
            transaction.on_commit(
                lambda: tasks.poster_delivery_process.enqueue(delivery_id=delivery_id, lease=lease), robust=True
            )
    return Received(delivery=delivery, duplicate=False)
