"""Writes of messages: write one (``message_create``), give it its recipients (``message_recipients_add``), send it
(``message_send_start``), stop it (``message_cancel``). Campaigns and automations call these.

Every write here is rows only: sending starts in the worker once the transaction that queued it commits
(``transaction.on_commit``), so a rolled-back campaign sends nothing and nothing is sent from a web request.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stampcard.campaigns.messages import limits, selectors, tasks
from stampcard.campaigns.messages.errors import MessageInvalid, MessageNotDraft
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery, MessageState
from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.merchants.actors import Actor

ADD_CHUNK = 1000


def message_create(
    *,
    actor: Actor,
    channels: list[str],
    parts: dict[str, Any] | None = None,
    template_key: str = "",
    is_marketing: bool = True,
    source: str = "",
) -> Message:
    """A draft message, checked against each channel's limits (``limits``; MessageInvalid with a stable code).
    Either ``parts`` (per language) or a ``template_key``."""
    chosen = limits.channels_check(channels)
    if template_key:
        if parts:
            raise MessageInvalid(
                _("Give either the texts or a template, not both."),
                code="message_parts_or_template",
                field="template_key",
            )
        limits.template_check(template_key, channels=chosen)
        clean: dict[str, dict[str, str]] = {}
    else:
        clean = limits.message_parts_check(parts or {}, channels=chosen)
    return Message.objects.create(
        merchant=actor.merchant,
        channels=chosen,
        parts=clean,
        template_key=template_key,
        is_marketing=is_marketing,
        source=source,
        created_by=actor.user,
    )


def message_recipients_add(
    *, message: Message, cards: Iterable[Card], vouchers: Mapping[int, Any] | None = None
) -> int:
    """Add a delivery per channel for each card of the message's merchant (others' cards are ignored); returns how
    many were new. Adding a card again, or another card of a customer who already gets the email, adds nothing:
    the unique constraints settle it, so two callers adding the same audience at once add it once. ``vouchers``
    (card id to voucher id): the voucher each card's deliveries give, shown in its email."""
    vouchers = vouchers or {}
    if message.state not in (MessageState.DRAFT, MessageState.SENDING):
        raise MessageNotDraft()
    added = 0
    chunk: list[MessageDelivery] = []

    def flush() -> int:
        before = MessageDelivery.objects.filter(message=message).count()
        MessageDelivery.objects.bulk_create(chunk, ignore_conflicts=True)
        chunk.clear()
        return MessageDelivery.objects.filter(message=message).count() - before

    with transaction.atomic():
        for card in cards:
            if card.merchant_id != message.merchant_id:
                continue
            for channel in message.channels:
                chunk.append(
                    MessageDelivery(
                        merchant_id=message.merchant_id,
                        message=message,
                        channel=channel,
                        card=card,
                        customer_id=card.customer_id,
                        voucher_id=vouchers.get(card.pk),
                    )
                )
            if len(chunk) >= ADD_CHUNK:
                added += flush()
        if chunk:
            added += flush()
    return added


def _queue(message_id: Any) -> None:
    transaction.on_commit(lambda: tasks.messages_send_soon(message_id))


@transaction.atomic
def message_send_start(*, message: Message) -> Message:
    """Start sending a draft: its deliveries go out from the worker once this commits."""
    locked = selectors.message_get(merchant=message.merchant, message_id=message.pk, lock=True)
    if locked.state != MessageState.DRAFT:
        raise MessageNotDraft()
    now = clock.now()
    locked.state, locked.queued_at, locked.heartbeat_at = MessageState.SENDING, now, now
    locked.save(update_fields=["state", "queued_at", "heartbeat_at"])
    _queue(locked.pk)
    return locked


@transaction.atomic
def message_cancel(*, message: Message) -> int:
    """Stop a message: what is not sent yet is skipped (``cancelled``); returns how many."""
    locked = selectors.message_get(merchant=message.merchant, message_id=message.pk, lock=True)
    if locked.state in (MessageState.DONE, MessageState.CANCELLED):
        raise MessageNotDraft()
    now = clock.now()
    stopped = MessageDelivery.objects.filter(message=locked, state=DeliveryState.PENDING).update(
        state=DeliveryState.SKIPPED, reason="cancelled", finished_at=now, claimed_until=None
    )
    locked.state, locked.finished_at = MessageState.CANCELLED, now
    locked.save(update_fields=["state", "finished_at"])
    return stopped
