"""Messages and deliveries -> API payloads (the shapes in ``schemas``)."""

from typing import Any

from stampcard.campaigns.messages.models import Message, MessageDelivery
from stampcard.campaigns.messages.selectors import Progress


def counts_payload(progress: Progress) -> dict[str, Any]:
    return {
        "total": progress.total,
        "pending": progress.pending,
        "sent": progress.sent,
        "failed": progress.failed,
        "skipped": progress.skipped,
        "reasons": dict(progress.reasons),
    }


def message_payload(message: Message, progress: Progress) -> dict[str, Any]:
    return {
        "id": str(message.pk),
        "state": message.state,
        "channels": list(message.channels),
        "source": message.source,
        "is_marketing": message.is_marketing,
        "template_key": message.template_key,
        "parts": {
            lang: {key: str(part.get(key) or "") for key in ("subject", "text", "html", "wallet")}
            for lang, part in (message.parts or {}).items()
        },
        "created_at": message.created_at,
        "queued_at": message.queued_at,
        "finished_at": message.finished_at,
        "counts": counts_payload(progress),
    }


def delivery_payload(delivery: MessageDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "channel": delivery.channel,
        "card": delivery.card.number,
        "customer_id": str(delivery.customer_id),
        "state": delivery.state,
        "reason": delivery.reason,
        "reason_text": delivery.reason_text if delivery.reason else "",
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "address": delivery.address,
        "language": delivery.language,
        "wallets": dict(delivery.wallets or {}),
        "sent_at": delivery.sent_at,
        "finished_at": delivery.finished_at,
        "last_error": delivery.last_error,
    }
