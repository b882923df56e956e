"""Bounces: email the mail system took and later returned, and the addresses that do not exist.

A refusal during the SMTP dialogue (5xx at RCPT) is recorded by the sender at once. A bounce that comes later is a
delivery status notification (DSN, RFC 3464: a ``multipart/report; report-type=delivery-status`` email) sent to our
envelope sender. The operator pipes those to ``manage.py messages_bounce`` (docs/email.md shows a Postfix alias),
which reads the DSN from standard input and calls ``dsn_record``.

Which delivery a DSN is about: our ``Message-ID`` names it (``<m<message hex>.d<delivery id>@domain>``, see
``email``), and the DSN quotes the returned email's headers. A DSN is believed only for the delivery it names and
only for that delivery's own address, so a forged one can at most mark one email someone already knew the
unguessable id of. ``Action: failed`` marks the delivery ``failed`` with reason ``bounced`` (it was ``sent``); a
5.x.x status is a hard bounce and stops marketing email to the address for the merchant (``EmailBounce``); a 4.x.x
one (a full mailbox after the server's retries) does not. ``Action: delayed`` changes nothing. Recording the same
DSN twice changes nothing more.
"""

import email
import email.policy
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message as MimeMessage
from typing import Any

from django.db import IntegrityError, transaction

from stampcard.campaigns.messages.models import DeliveryState, EmailBounce, MessageDelivery
from stampcard.core import clock

MESSAGE_ID = re.compile(r"<m(?P<message>[0-9a-f]{32})\.d(?P<delivery>\d+)@[^>]+>", re.IGNORECASE)


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def addresses_bounced(*, merchant_id: Any, addresses: Iterable[str]) -> set[str]:
    """The hashes (``address_hash``) of those of ``addresses`` that hard-bounced before, for this merchant: one query
    for a sender's whole batch."""
    hashes = {address_hash(address) for address in addresses if address}
    if not hashes:
        return set()
    found = EmailBounce.objects.filter(merchant_id=merchant_id, address_hash__in=hashes)
    return set(found.values_list("address_hash", flat=True))


def bounce_note(*, delivery: MessageDelivery, address: str, status: str, diagnostic: str = "") -> bool:
    """Remember that ``address`` hard-bounced; True when it is new."""
    if not address:
        return False
    try:
        with transaction.atomic():
            EmailBounce.objects.create(
                merchant_id=delivery.merchant_id,
                address_hash=address_hash(address),
                delivery_id=delivery.pk,
                status=status[:16],
                diagnostic=diagnostic[:300],
            )
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Bounce:
    """One recipient's block of a DSN, with the Message-ID of the email it returns."""

    message_id: str
    recipient: str
    action: str
    status: str
    diagnostic: str = ""

    @property
    def hard(self) -> bool:
        return self.status.startswith("5")


@dataclass(frozen=True)
class BounceResult:
    code: str  # "bounced" | "already_recorded" | "not_failed" (delayed, delivered) | "unknown_delivery"
    delivery_id: int | None = None
    address_stopped: bool = False


def _field(block: MimeMessage, name: str) -> str:
    value = str(block.get(name) or "").strip()
    if name in ("Final-Recipient", "Original-Recipient") and ";" in value:
        value = value.split(";", 1)[1]  # "rfc822; olena@example.com"
    return " ".join(value.split())


def _returned_message_id(report: MimeMessage) -> str:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], MimeMessage):
                return str(inner[0].get("Message-ID") or "")
        if kind == "text/rfc822-headers":
            headers = email.message_from_string(str(part.get_payload(decode=False)), policy=email.policy.default)
            return str(headers.get("Message-ID") or "")
    return ""


def dsn_parse(raw: bytes) -> list[Bounce]:
    """The recipients' blocks of a DSN email ([] when it is no DSN, or names no email of ours)."""
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    message_id = _returned_message_id(report)
    found: list[Bounce] = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is about the whole message, the others one recipient each
            if not isinstance(block, MimeMessage):
                continue
            recipient = _field(block, "Final-Recipient") or _field(block, "Original-Recipient")
            if recipient:
                found.append(
                    Bounce(
                        message_id=message_id,
                        recipient=recipient,
                        action=_field(block, "Action").lower(),
                        status=_field(block, "Status"),
                        diagnostic=_field(block, "Diagnostic-Code")[:300],
                    )
                )
    return found


def _delivery_named(message_id: str) -> MessageDelivery | None:
    match = MESSAGE_ID.search(message_id or "")
    if match is None:
        return None
    return MessageDelivery.objects.filter(
        pk=int(match["delivery"]), message_id=match["message"].lower(), channel="email"
    ).first()


def bounce_record(bounce: Bounce) -> BounceResult:
    """Record one returned email (see the module's docstring)."""
    delivery = _delivery_named(bounce.message_id)
    if delivery is None or delivery.address.strip().lower() != bounce.recipient.strip().lower():
        return BounceResult(code="unknown_delivery")
    if bounce.action != "failed":
        return BounceResult(code="not_failed", delivery_id=delivery.pk)
    detail = f"DSN {bounce.status}: {bounce.diagnostic}"[:300]
    with transaction.atomic():
        marked = MessageDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENT).update(
            state=DeliveryState.FAILED, reason="bounced", last_error=detail, finished_at=clock.now()
        )
        stopped = bounce.hard and bounce_note(
            delivery=delivery, address=delivery.address, status=bounce.status, diagnostic=bounce.diagnostic
        )
    code = "bounced" if marked else "already_recorded"
    return BounceResult(code=code, delivery_id=delivery.pk, address_stopped=stopped)


def dsn_record(raw: bytes) -> list[BounceResult]:
    """Record every recipient block of a DSN email; [] when it holds none."""
    return [bounce_record(bounce) for bounce in dsn_parse(raw)]
