"""Wallet messages to Google Wallet holders: ``addMessage`` on the card's LoyaltyObject.

Google shows a message on the back of the pass; with ``messageType: TEXT_AND_NOTIFY`` it also notifies the phone, at
most three times per pass in 24 hours, counted over notifying messages and notifying updates alike (beyond that
Google answers QuotaExceededException; shared/reference/wallet.md section 4). The quota is ours to keep: the slot is
taken under the object's row lock before the call (``GoogleNotification``, the rows the notifying patches of
``services`` count too) and given back if the call fails, so concurrent sends never spend more than three. A message
beyond the quota goes out as TEXT: on the pass, silently.

Runs in the worker, outside any transaction. Idempotent per message key (``GoogleMessage`` is unique per object and
key): a send retried after it reached Google sends nothing again.
"""

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.wallet.google import client as google_client
from stampcard.wallet.google import locks, payloads, services
from stampcard.wallet.google.client import GoogleWalletError, WalletClient
from stampcard.wallet.google.models import GoogleMessage, GoogleNotification, GoogleObject
from stampcard.wallet.messages import (
    NOT_CONFIGURED,
    PASS_MISSING,
    REFUSED,
    SENT,
    SENT_SILENTLY,
    UNAVAILABLE,
    WalletMessageResult,
    text_problem,
    text_validate,
)

logger = logging.getLogger(__name__)

# Google documents no length for a message's body; the details screen shows it whole and the notification its start.
# 500 keeps a message a message (a campaign, not a newsletter) and well inside any request limit.
MAX_CHARS = 500
MAX_MESSAGES = 10  # LoyaltyObject.messages: "The maximum number of these fields is 10."
TEXT = "TEXT"
TEXT_AND_NOTIFY = "TEXT_AND_NOTIFY"


def google_message_validate(text: str) -> str:
    """The text stripped, or ValidationFailed (``wallet_message_empty`` / ``wallet_message_too_long``)."""
    return text_validate(text, max_chars=MAX_CHARS)


def message_id(message_key: str) -> str:
    """The Message.id sent to Google: stable per key (so a retry can be recognised on the object), no raw key."""
    return "msg-" + hashlib.sha256(message_key.encode()).hexdigest()[:32]


def message_body(*, header: str, text: str, message_key: str, notify: bool) -> dict[str, Any]:
    return {
        "id": message_id(message_key),
        "header": header,
        "body": text,
        "messageType": TEXT_AND_NOTIFY if notify else TEXT,
    }


@dataclass
class _Reserved:
    record: GoogleMessage
    existed: bool


def google_message_send(
    card: Card, text: str, *, message_key: str, client: WalletClient | None = None
) -> WalletMessageResult:
    """Add ``text`` to the card's Google pass, notifying while the object's quota allows. Never raises for a delivery
    problem: the result says ``sent`` (notified) / ``sent_silently`` or the failure's code."""
    problem = text_problem(text, max_chars=MAX_CHARS)
    if problem is not None:
        return WalletMessageResult.failed(problem)
    google_object = GoogleObject.objects.filter(card_id=card.pk, synced_at__isnull=False).first()
    if google_object is None:
        return WalletMessageResult.failed(PASS_MISSING)
    if client is None and not google_client.is_configured():
        return WalletMessageResult.failed(NOT_CONFIGURED)
    reserved = _reserve(google_object=google_object, message_key=message_key)
    if reserved.existed and reserved.record.delivered:
        return _sent(reserved.record, replayed=True)
    header = Card.objects.select_related("program").get(pk=card.pk).program.name
    if client is not None:
        return _deliver(client, google_object, reserved, header=header, text=text.strip())
    with google_client.http_client() as http:
        return _deliver(WalletClient(http=http), google_object, reserved, header=header, text=text.strip())


def _sent(record: GoogleMessage, *, replayed: bool = False) -> WalletMessageResult:
    code = SENT if record.notified else SENT_SILENTLY
    return WalletMessageResult(sent=True, code=code, notified=record.notified, replayed=replayed)


def _reserve(*, google_object: GoogleObject, message_key: str) -> _Reserved:
    """The message's row, made under the object's row lock with the decision to notify: a notification slot is taken
    only while fewer than three were spent in the last 24 hours."""
    now = clock.now()
    try:
        with transaction.atomic():
            locked = locks.google_object_lock(google_object_id=google_object.pk)
            found = GoogleMessage.objects.filter(google_object=locked, message_key=message_key).first()
            if found is not None:
                return _Reserved(found, existed=True)
            notification = None
            if services.notifications_in_window(google_object=locked, now=now) < services.NOTIFY_LIMIT:
                notification = GoogleNotification.objects.create(
                    merchant_id=locked.merchant_id, google_object=locked, sent_at=now
                )
            record = GoogleMessage.objects.create(
                merchant_id=locked.merchant_id,
                google_object=locked,
                message_key=message_key,
                message_id=message_id(message_key),
                sent_at=now,
                notified=notification is not None,
                notification=notification,
            )
            return _Reserved(record, existed=False)
    except IntegrityError:  # the same key reserved by a concurrent send (SQLite has no row lock to wait on)
        return _Reserved(GoogleMessage.objects.get(google_object=google_object, message_key=message_key), existed=True)


def _deliver(
    client: WalletClient, google_object: GoogleObject, reserved: _Reserved, *, header: str, text: str
) -> WalletMessageResult:
    record = reserved.record
    try:
        held = _object_messages(client, google_object) if reserved.existed else None
        if held is not None and any(m.get("id") == record.message_id for m in held):
            # An earlier attempt reached Google and died before recording it: record it now, send nothing.
            GoogleMessage.objects.filter(pk=record.pk).update(delivered=True)
            return _sent(record, replayed=True)
        _make_room(client, google_object, held)
        body = message_body(header=header, text=text, message_key=record.message_key, notify=record.notified)
        try:
            client.add_message(payloads.OBJECT_RESOURCE, google_object.object_id, body)
        except GoogleWalletError as exc:
            if not (record.notified and _quota_exceeded(exc)):
                raise
            # Google counted notifications we do not know of (sent by another system, or its clock runs ahead of
            # ours): the message still goes on the pass, silently, and the slot we took is given back.
            _notification_release(record)
            client.add_message(payloads.OBJECT_RESOURCE, google_object.object_id, {**body, "messageType": TEXT})
    except GoogleWalletError as exc:
        logger.warning("google wallet: message to %s not added: %s %s", google_object.object_id, exc, exc.body)
        # Nothing reached the customer: free the key and the notification slot for the retry.
        with transaction.atomic():
            if record.notification_id is not None:
                GoogleNotification.objects.filter(pk=record.notification_id).delete()
            GoogleMessage.objects.filter(pk=record.pk, delivered=False).delete()
        return WalletMessageResult.failed(UNAVAILABLE if exc.retryable else REFUSED, retryable=exc.retryable)
    GoogleMessage.objects.filter(pk=record.pk).update(delivered=True)
    return _sent(record, replayed=reserved.existed)


def _quota_exceeded(exc: GoogleWalletError) -> bool:
    text = str(exc.body)
    return exc.status == 429 and ("QuotaExceeded" in text or "RESOURCE_EXHAUSTED" in text)


def _notification_release(record: GoogleMessage) -> None:
    with transaction.atomic():
        if record.notification_id is not None:
            GoogleNotification.objects.filter(pk=record.notification_id).delete()
        GoogleMessage.objects.filter(pk=record.pk).update(notified=False, notification=None)
    record.notified, record.notification_id = False, None


def _object_messages(client: WalletClient, google_object: GoogleObject) -> list[dict[str, Any]]:
    found = client.get(payloads.OBJECT_RESOURCE, google_object.object_id).get("messages") or []
    return [m for m in found if isinstance(m, dict)]


def _make_room(client: WalletClient, google_object: GoogleObject, held: list[dict[str, Any]] | None) -> None:
    """Google keeps at most ten messages on an object: before the eleventh, drop the oldest (PATCH replaces the
    array whole). Only looked at once our own record says the object may be full."""
    if held is None:
        delivered = GoogleMessage.objects.filter(google_object=google_object, delivered=True).count()
        if delivered < MAX_MESSAGES:
            return
        held = _object_messages(client, google_object)
    if len(held) >= MAX_MESSAGES:
        client.patch(payloads.OBJECT_RESOURCE, google_object.object_id, {"messages": held[-(MAX_MESSAGES - 1) :]})
