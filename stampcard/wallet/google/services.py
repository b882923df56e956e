"""Keeping Google's copies of programs and cards current, and recording what Google tells us back.

Every function that talks to Google runs outside any database transaction (``client.ensure_no_transaction``): it
reads, calls Google, then records the outcome in short transactions of its own. All of them are idempotent: a
payload Google already holds (same hash) is not sent again, so a card the change feed hands over twice costs one
query.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from stampcard.cards import ledger
from stampcard.cards.changes import card_in_wallet
from stampcard.cards.models import Card, EventKind, Program
from stampcard.core import clock
from stampcard.core.metrics import WALLET_PUSH_FAILURES
from stampcard.merchants.actors import Actor, Channel
from stampcard.rewards import selectors as rewards_selectors
from stampcard.vouchers import selectors as vouchers_selectors
from stampcard.wallet import geo
from stampcard.wallet.google import locks, payloads
from stampcard.wallet.google.client import GoogleWalletError, WalletClient, ensure_no_transaction
from stampcard.wallet.google.models import (
    GoogleCallbackEvent,
    GoogleClass,
    GoogleNotification,
    GoogleObject,
    WalletEventType,
)

logger = logging.getLogger(__name__)

NOTIFY_LIMIT = 3  # Google: at most three notifying updates per pass in 24 hours
NOTIFY_WINDOW = timedelta(hours=24)


def _insert_or_patch(client: WalletClient, resource: str, resource_id: str, body: dict[str, Any], *, new: bool) -> None:
    """Insert a resource we have not sent before (409: it is there already, patch it) or patch one we have (404:
    it was lost at Google's side, insert it)."""
    if new:
        try:
            client.insert(resource, body)
        except GoogleWalletError as exc:
            if exc.status != 409:
                raise
            client.patch(resource, resource_id, body)
        return
    try:
        client.patch(resource, resource_id, body)
    except GoogleWalletError as exc:
        if exc.status != 404:
            raise
        client.insert(resource, body)


def class_sync(*, program: Program, client: WalletClient) -> GoogleClass:
    """Make Google's LoyaltyClass of the program match the program (insert it the first time)."""
    ensure_no_transaction()
    body = payloads.class_payload(program=program)
    digest = payloads.payload_hash(body)
    google_class = GoogleClass.objects.filter(program=program).first()
    if google_class is not None and google_class.synced_hash == digest:
        return google_class
    _insert_or_patch(
        client, payloads.CLASS_RESOURCE, body["id"], body, new=google_class is None or not google_class.synced_at
    )
    if google_class is None:
        google_class, _ = GoogleClass.objects.get_or_create(
            program=program, defaults={"merchant_id": program.merchant_id, "class_id": body["id"]}
        )
    now = clock.now()
    GoogleClass.objects.filter(pk=google_class.pk).update(synced_hash=digest, synced_at=now)
    google_class.synced_hash, google_class.synced_at = digest, now
    return google_class


def _cards_for_sync(card_ids: list[int]) -> list[Card]:
    return list(
        Card.objects.filter(pk__in=card_ids)
        .select_related("program__merchant", "program_version", "customer")
        .order_by("pk")
    )


def object_ensure(*, card: Card, client: WalletClient) -> GoogleObject:
    """The card's LoyaltyObject, inserted at Google (with its class) and current. What a save link needs first."""
    ensure_no_transaction()
    google_class = class_sync(program=card.program, client=client)
    google_object, _ = GoogleObject.objects.get_or_create(
        card=card,
        defaults={"merchant_id": card.merchant_id, "google_class": google_class, "object_id": payloads.new_object_id()},
    )
    card_in_wallet(card_id=card.pk)
    objects = list(GoogleObject.objects.filter(pk=google_object.pk).select_related("google_class"))
    report = SyncReport()
    _objects_push(objects=objects, cards=_cards_for_sync([card.pk]), client=client, report=report)
    google_object.refresh_from_db()
    if google_object.synced_at is None:
        raise GoogleWalletError("the card's object could not be inserted", retryable=bool(report.retry))
    return google_object


@dataclass
class SyncReport:
    patched: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    notified: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {
            "patched": self.patched,
            "unchanged": self.unchanged,
            "notified": self.notified,
            "retry": self.retry,
            "failed": self.failed,
        }


def objects_sync(*, card_ids: list[int], client: WalletClient) -> SyncReport:
    """Patch the LoyaltyObjects of these cards (those that have one) to what the cards show now.

    Cards whose payload Google already holds are skipped. A transient failure (429, 5xx, transport) puts the card in
    ``report.retry``; anything else in ``report.failed``, logged.
    """
    ensure_no_transaction()
    report = SyncReport()
    objects = list(GoogleObject.objects.filter(card_id__in=card_ids).select_related("google_class").order_by("card_id"))
    if not objects:
        return report
    cards = _cards_for_sync([obj.card_id for obj in objects])
    programs = {card.program_id: card.program for card in cards}
    failed_programs: set[Any] = set()
    for program in programs.values():
        try:
            class_sync(program=program, client=client)
        except GoogleWalletError as exc:
            logger.warning("google wallet: class of program %s not synced: %s", program.pk, exc)
            failed_programs.add(program.pk)
            (report.retry if exc.retryable else report.failed).extend(
                card.pk for card in cards if card.program_id == program.pk
            )
    cards = [card for card in cards if card.program_id not in failed_programs]
    _objects_push(objects=objects, cards=cards, client=client, report=report)
    return report


def _objects_push(*, objects: list[GoogleObject], cards: list[Card], client: WalletClient, report: SyncReport) -> None:
    by_card = {obj.card_id: obj for obj in objects}
    rewards = rewards_selectors.rewards_ready_by_card(cards=cards)
    vouchers = vouchers_selectors.vouchers_active_by_card(cards=cards)
    nearby = geo.pass_locations_by_card(cards=cards)
    for card in cards:
        google_object = by_card[card.pk]
        try:
            outcome = _object_push(
                google_object=google_object,
                card=card,
                rewards=rewards[card.pk],
                vouchers=vouchers[card.pk],
                locations=nearby[card.pk],
                client=client,
            )
        except GoogleWalletError as exc:
            logger.warning("google wallet: object %s not synced: %s %s", google_object.object_id, exc, exc.body)
            (report.retry if exc.retryable else report.failed).append(card.pk)
            if not exc.retryable:
                WALLET_PUSH_FAILURES.labels(wallet="google", reason="refused").inc()
            continue
        if outcome == "stale":
            # A newer version of the card reached Google first and we may have overwritten it: send the newest.
            report.retry.append(card.pk)
        elif outcome == "unchanged":
            report.unchanged.append(card.pk)
        else:
            report.patched.append(card.pk)
            if outcome == "notified":
                report.notified.append(card.pk)


def _object_push(
    *,
    google_object: GoogleObject,
    card: Card,
    rewards: list[Any],
    vouchers: list[Any],
    locations: list[Any],
    client: WalletClient,
) -> str:
    snapshot = card.changed_at  # None: the card never changed since it was made
    body = payloads.object_payload(
        card=card,
        object_id=google_object.object_id,
        class_id=google_object.google_class.class_id,
        rewards=rewards,
        vouchers=vouchers,
        locations=locations,
    )
    digest = payloads.payload_hash(body)
    if google_object.synced_at is not None and google_object.synced_hash == digest:
        return "unchanged"
    balance = body["loyaltyPoints"]["balance"]["string"]
    new = google_object.synced_at is None
    notification = None if new else _notification_reserve(google_object=google_object, balance=balance)
    if notification is not None:
        body = {**body, "notifyPreference": "NOTIFY_ON_UPDATE"}
    try:
        _insert_or_patch(client, payloads.OBJECT_RESOURCE, google_object.object_id, body, new=new)
    except GoogleWalletError:
        if notification is not None:
            notification.delete()  # nothing reached the customer; the quota slot is still free
        raise
    # Record only if no newer version of the card was recorded meanwhile; else ours may have overwritten it.
    not_newer = Q(synced_changed_at__isnull=True)
    if snapshot is not None:
        not_newer |= Q(synced_changed_at__lte=snapshot)
    recorded = (
        GoogleObject.objects.filter(pk=google_object.pk)
        .filter(not_newer)
        .update(synced_hash=digest, synced_balance=balance, synced_changed_at=snapshot, synced_at=clock.now())
    )
    if not recorded:
        return "stale"
    return "notified" if notification is not None else "patched"


def notifications_in_window(*, google_object: GoogleObject, now: datetime) -> int:
    return GoogleNotification.objects.filter(google_object=google_object, sent_at__gt=now - NOTIFY_WINDOW).count()


def _notification_reserve(*, google_object: GoogleObject, balance: str) -> GoogleNotification | None:
    """Take one of the object's three notifying updates of the last 24 hours, if the balance moved and one is free.

    The slot is taken before the call (and given back if the call fails), under the object's row lock, so two
    workers never both spend the last one.
    """
    if balance == google_object.synced_balance:
        return None
    now = clock.now()
    with transaction.atomic():
        locked = locks.google_object_lock(google_object_id=google_object.pk)
        if locked.synced_balance == balance:
            return None
        if notifications_in_window(google_object=locked, now=now) >= NOTIFY_LIMIT:
            return None
        return GoogleNotification.objects.create(merchant_id=locked.merchant_id, google_object=locked, sent_at=now)


@dataclass(frozen=True)
class CallbackOutcome:
    recorded: bool
    reason: str = ""


def callback_record(*, message: dict[str, Any]) -> CallbackOutcome:
    """Record a verified save/delete callback. A redelivery (same nonce) or an unknown object records nothing."""
    object_id = str(message.get("objectId", ""))
    class_id = str(message.get("classId", ""))
    event_type = str(message.get("eventType", ""))
    nonce = str(message.get("nonce", ""))
    if event_type not in WalletEventType.values or not nonce:
        return CallbackOutcome(recorded=False, reason="malformed")
    google_object = GoogleObject.objects.filter(object_id=object_id).select_related("google_class").first()
    # The class must be the object's own: an object id is never looked up across tenants through another's class.
    if google_object is None or google_object.google_class.class_id != class_id:
        return CallbackOutcome(recorded=False, reason="unknown_object")
    expires_at = None
    if str(message.get("expTimeMillis", "")).isdigit():
        expires_at = datetime.fromtimestamp(int(message["expTimeMillis"]) / 1000, tz=UTC)
    try:
        with transaction.atomic():
            GoogleCallbackEvent.objects.create(
                merchant_id=google_object.merchant_id,
                google_object=google_object,
                nonce=nonce,
                event_type=event_type,
                expires_at=expires_at,
                payload=message,
            )
            # The card's journal: saved to or deleted from Google Wallet (a redelivery rolls back with the row above).
            card = Card.objects.select_related("merchant").get(pk=google_object.card_id)
            kind = EventKind.PASS_INSTALLED if event_type == WalletEventType.SAVE else EventKind.PASS_REMOVED
            ledger.ledger_note(
                card=card, kind=kind, actor=Actor(merchant=card.merchant, channel=Channel.SYSTEM), wallet="google"
            )
    except IntegrityError:
        return CallbackOutcome(recorded=False, reason="duplicate")
    return CallbackOutcome(recorded=True)
