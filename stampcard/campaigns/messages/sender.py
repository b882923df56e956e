"""Sending a message's deliveries: claim a batch, decide each (skip, or send), record each result at once.

A round (``message_send``) claims ``BATCH`` due deliveries of one message at a time (``locks``), sends the batch's
emails over one SMTP connection outside any transaction, and records every delivery the moment its answer is in
(one conditional UPDATE). So a worker killed mid-batch leaves at most one email in doubt: the one the server may
have taken before its record committed. The next round sends that one again (at least once, never lost) with the
same ``Message-ID``, so a receiving system that drops repeated ids shows it once. On PostgreSQL these records (and
the claims and ledger lines) commit without waiting for the disk (``locks.ASYNCHRONOUS_COMMIT`` says why that keeps
the promise: only a crash of PostgreSQL itself can lose the last ones, and their emails are then sent again the same
way).

The ``message_sent`` ledger lines of a batch are written together after it (``ledger.ledger_notes``, one INSERT,
each line dated when its email was sent), each with its delivery's ``ledger_noted`` flag in one transaction that
locks the deliveries first, so a line is written once whoever writes it. A worker killed between a send and its
batch's lines leaves sent deliveries unnoted: every round, and the check that a message is done, write those first
(``ledger_catch_up``).

The email itself is rendered once per (language, program, voucher shape) in a round and filled for each recipient
(``email.EmailTemplate``; the recipient's voucher: ``vouchers``). Rounds of several workers on one message take
different batches. A round stops after ``round_seconds`` and queues its own continuation (``tasks``); a round whose
worker died is restarted by the sweep (``tasks.messages_resume``) once its claims lapse.

Who gets a marketing email is decided at sending time, from the customer as they are then: no email, no consent,
unsubscribed or erased are skipped with that reason. SMTP answers: a recipient refused with a 5xx code is ``bounced``
at once; any other 5xx fails the delivery (``smtp_error``); a 4xx answer, a refused or dropped connection is retried
after ``RETRY_DELAYS`` and fails after ``MAX_ATTEMPTS``. One delivery's failure never stops the others. A hard
bounce (a 5xx refusal of the recipient) also stops marketing email to that address (``bounces``).

Wallet deliveries of the same message go through ``wallet`` (its docstring says who gets one and how a retry avoids
pushing twice), recorded the same way, retried with the same backoff while Apple or Google is unavailable. A round
sends them all over one connection to APNs and one to Google (``wallet.clients.WalletClients``), closed when it ends.
"""

import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import router, transaction

from stampcard.campaigns.messages import bounces, email, language, locks, unsubscribe, vouchers, wallet
from stampcard.campaigns.messages.email import EmailTemplate, PreparedEmail
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageChannel, MessageDelivery, MessageState
from stampcard.cards import ledger
from stampcard.cards.models import EventKind
from stampcard.core import clock
from stampcard.merchants.actors import Actor, Channel
from stampcard.wallet.clients import WalletClients

logger = logging.getLogger(__name__)

# Deliveries claimed, sent over one SMTP connection and given their ledger lines together. At 50 the claim, the
# ledger transaction and the loop cost 1.3 ms per email, twice the record of each email; at 200 half that
# (``bench/fanout_email --phases``, PostgreSQL). A killed round's batch waits for its claim to lapse whatever its size;
# a message to fewer than 200 goes out from one worker.
BATCH = 200
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

ConnectionFactory = Callable[[], BaseEmailBackend]


@dataclass(frozen=True)
class Outcome:
    """What sending one delivery came to. ``permanent`` failures are not retried; ``partly_sent`` (a wallet message
    one wallet took while the other was unavailable) counts as sent once the retries run out. An ``ok`` outcome may
    carry a reason too (``sent_silently``)."""

    ok: bool
    permanent: bool = False
    reason: str = ""
    error: str = ""
    partly_sent: bool = False


SENT = Outcome(ok=True)


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    batches: int = 0
    more: bool = False  # stopped by the time box with deliveries still due

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "retrying": self.retrying,
            "failed": self.failed,
            "batches": self.batches,
        }


def round_seconds() -> float:
    return float(getattr(settings, "STAMPCARD_MESSAGES_ROUND_SECONDS", 120))


def claim_for() -> timedelta:
    """How long a claim holds; a round renews it on the rest of its batch at half-time, so a slow server never lets
    another round take a delivery this one is still about to send."""
    return timedelta(seconds=float(getattr(settings, "STAMPCARD_MESSAGES_CLAIM_SECONDS", 120)))


def outcome_of(exc: BaseException) -> tuple[Outcome, bool]:
    """The outcome an SMTP exception means, and whether the connection is unusable after it."""
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return Outcome(
            ok=False, permanent=permanent, reason="bounced" if permanent else "smtp_error", error=detail
        ), False
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Outcome(ok=False, reason="smtp_error", error=detail), True
    if isinstance(exc, smtplib.SMTPResponseException):
        return Outcome(ok=False, permanent=exc.smtp_code >= 500, reason="smtp_error", error=detail), False
    return Outcome(ok=False, reason="smtp_error", error=detail), True  # OSError: refused, reset, timed out


def _failed(reason: str, exc: BaseException) -> Outcome:
    return Outcome(ok=False, permanent=True, reason=reason, error=f"{type(exc).__name__}: {exc}"[:300])


def skip_reason(*, message: Message, delivery: MessageDelivery, bounced: set[str]) -> str:
    """Why ``delivery`` must not be sent, or "" to send it. ``bounced``: the hashes of the batch's addresses that
    bounced before (``bounces.addresses_bounced``)."""
    customer = delivery.customer
    if customer.erased_at is not None:
        return "erased"
    if not customer.email:
        return "no_email"
    if message.is_marketing and not customer.marketing_email_consent:
        return "unsubscribed" if unsubscribe.customer_unsubscribed(customer_id=customer.pk) else "no_consent"
    if message.is_marketing and bounces.address_hash(customer.email) in bounced:
        return "address_bounced"
    return ""


def _send_wallet(
    message: Message, delivery: MessageDelivery, report: SendReport, actor: Actor, wallet_clients: WalletClients
) -> bool:
    """Send one wallet delivery; True when it was recorded sent (its ledger line is then due)."""
    reason = wallet.skip_reason(message=message, delivery=delivery)
    if reason:
        return _record(message, delivery, Outcome(ok=False, permanent=True, reason=reason), report, actor, skip=True)
    lang = language.recipient_language(customer=delivery.customer)
    delivery.address, delivery.language = "", lang
    try:
        text = wallet.wallet_text(message=message, delivery=delivery, lang=lang)
    except Exception as exc:  # noqa: BLE001 - a template that fails for one recipient must not stop the rest
        logger.exception("message %s: the wallet text for card %s could not be written", message.pk, delivery.card_id)
        return _record(message, delivery, _failed("render_error", exc), report, actor)
    try:
        answer = wallet.wallet_deliver(message=message, delivery=delivery, text=text, clients=wallet_clients)
    except Exception as exc:  # noqa: BLE001 - a bug or an outage of one wallet must not stop the batch: retried
        logger.exception("message %s: the wallet message to card %s broke", message.pk, delivery.card_id)
        answer = wallet.WalletOutcome(ok=False, reason="wallet_unavailable", retry=True, error=f"{exc!r}"[:300])
    if answer.skip:
        return _record(
            message, delivery, Outcome(ok=False, permanent=True, reason=answer.reason), report, actor, skip=True
        )
    outcome = Outcome(
        ok=answer.ok,
        permanent=not answer.ok and not answer.retry,
        reason=answer.reason,
        error=answer.error[:300],
        partly_sent=answer.partly_sent,
    )
    return _record(message, delivery, outcome, report, actor)


def _close(connection: BaseEmailBackend | None) -> None:
    if connection is None:
        return
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a connection that failed may fail to say goodbye too; it is dropped anyway
        logger.debug("SMTP connection closed with an error", exc_info=True)


Templates = dict[tuple[Any, ...], EmailTemplate]


def _email_for(message: Message, delivery: MessageDelivery, lang: str, templates: Templates) -> Any:
    """The email of ``delivery``: filled from the round's rendering for its language, program and voucher shape,
    rendered on first use (a message from our templates is built for each recipient)."""
    if message.template_key:
        return email.email_build(message=message, delivery=delivery, lang=lang)
    key = (lang, delivery.card.program_id, vouchers.voucher_shape(vouchers.usable_voucher(delivery)))
    template = templates.get(key)
    if template is None:
        template = templates[key] = EmailTemplate(message=message, delivery=delivery, lang=lang)
    return template.fill(delivery)


def _send_batch(
    message: Message,
    claimed: list[MessageDelivery],
    report: SendReport,
    connect: ConnectionFactory,
    actor: Actor,
    templates: Templates,
    wallet_clients: WalletClients,
) -> None:
    sent: list[int] = []  # deliveries recorded sent in this batch: their ledger lines are written after it
    connection: BaseEmailBackend | None = None
    unreachable: Outcome | None = None  # the server could not be reached: the rest of the batch waits too
    holds, renew_at = claim_for(), time.monotonic() + claim_for().total_seconds() / 2
    bounced = bounces.addresses_bounced(
        merchant_id=message.merchant_id,
        addresses=[each.customer.email for each in claimed if each.channel == MessageChannel.EMAIL],
    )
    try:
        for index, delivery in enumerate(claimed):
            if time.monotonic() >= renew_at:
                rest = [each.pk for each in claimed[index:]]
                MessageDelivery.objects.filter(pk__in=rest, claim_token=delivery.claim_token).update(
                    claimed_until=clock.now() + holds
                )
                renew_at = time.monotonic() + holds.total_seconds() / 2
            if delivery.channel == MessageChannel.WALLET:
                if _send_wallet(message, delivery, report, actor, wallet_clients):
                    sent.append(delivery.pk)
                continue
            reason = skip_reason(message=message, delivery=delivery, bounced=bounced)
            if reason:
                _record(message, delivery, Outcome(ok=False, permanent=True, reason=reason), report, actor, skip=True)
                continue
            lang = language.recipient_language(customer=delivery.customer)
            delivery.address, delivery.language = delivery.customer.email, lang
            if unreachable is not None:
                _record(message, delivery, unreachable, report, actor)
                continue
            if connection is None:
                connection = connect()
                try:
                    connection.open()
                except (OSError, smtplib.SMTPException) as exc:
                    unreachable = Outcome(ok=False, reason="smtp_error", error=f"{type(exc).__name__}: {exc}"[:300])
                    _close(connection)
                    connection = None
                    _record(message, delivery, unreachable, report, actor)
                    continue
            try:
                built = _email_for(message, delivery, lang, templates)
            except Exception as exc:  # noqa: BLE001 - a template that fails for one recipient must not stop the rest
                logger.exception("message %s: the email to card %s could not be written", message.pk, delivery.card_id)
                _record(message, delivery, _failed("render_error", exc), report, actor)
                continue
            try:
                if isinstance(built, PreparedEmail):
                    built.send_over(connection)
                else:
                    connection.send_messages([built])
                outcome = SENT
            except ValueError as exc:  # Django's check of the address before the SMTP dialogue
                outcome = _failed("bad_address", exc)
            except (OSError, smtplib.SMTPException) as exc:
                outcome, broken = outcome_of(exc)
                if broken:
                    _close(connection)
                    connection = None
            if _record(message, delivery, outcome, report, actor):
                sent.append(delivery.pk)
    finally:
        _close(connection)
    ledger_note_sent(message=message, delivery_ids=sent, actor=actor)


def _record(
    message: Message,
    delivery: MessageDelivery,
    outcome: Outcome,
    report: SendReport,
    actor: Actor,
    *,
    skip: bool = False,
) -> bool:
    """Store one result, only while the claim is still this round's (one UPDATE; with the bounce note in one
    transaction for a bounce). True when it stored the delivery as sent: its ledger line is then due
    (``ledger_note_sent``, after the batch)."""
    now = clock.now()
    update: dict[str, Any] = {"claimed_until": None, "address": delivery.address, "language": delivery.language}
    if skip:
        update.update(state=DeliveryState.SKIPPED, reason=outcome.reason, finished_at=now)
        report.skipped += 1
    else:
        attempts = delivery.attempts + 1
        update.update(last_error=outcome.error)
        if outcome.ok or (outcome.partly_sent and attempts >= MAX_ATTEMPTS):
            reason = outcome.reason if outcome.ok else ""
            update.update(state=DeliveryState.SENT, reason=reason, sent_at=now, finished_at=now, next_attempt_at=None)
            report.sent += 1
        elif outcome.permanent or attempts >= MAX_ATTEMPTS:
            update.update(state=DeliveryState.FAILED, reason=outcome.reason, finished_at=now, next_attempt_at=None)
            report.failed += 1
        else:
            update.update(reason=outcome.reason, next_attempt_at=now + RETRY_DELAYS[attempts - 1])
            report.retrying += 1
    if outcome.reason == "bounced":
        with transaction.atomic():
            if not locks.claimed_update(delivery=delivery, values=update, attempted=not skip):
                return False  # the claim lapsed and another round took the delivery: its result stands
            bounces.bounce_note(delivery=delivery, address=delivery.address, status="5.0.0", diagnostic=outcome.error)
    elif not locks.claimed_update(delivery=delivery, values=update, attempted=not skip):
        return False
    if not outcome.ok and not skip:
        logger.info("message %s to card %s: %s (%s)", message.pk, delivery.card_id, outcome.reason, outcome.error)
    return update.get("state") == DeliveryState.SENT


def ledger_note_sent(*, message: Message, delivery_ids: list[Any], actor: Actor) -> int:
    """Write the ``message_sent`` ledger line of each of these deliveries that is sent and has none yet, dated when
    it was sent (``sent_at``: when the server's answer came), in one INSERT, and flag them noted in the same
    transaction. The deliveries are locked first (in id order), so a batch
    and a catch-up racing for a line write it once. Returns how many lines were written."""
    if not delivery_ids:
        return 0
    using = router.db_for_write(MessageDelivery)
    with transaction.atomic(using=using):
        locks.commit_asynchronously(using)  # a line lost with its flag in a crash of PostgreSQL is written again
        due = list(
            MessageDelivery.objects.filter(pk__in=delivery_ids, state=DeliveryState.SENT, ledger_noted=False)
            .order_by("pk")
            .select_for_update(of=("self",))
            .values_list("pk", "card_id", "channel", "sent_at")
        )
        if not due:
            return 0
        source = message.source or "message"
        ledger.ledger_notes(
            kind=EventKind.MESSAGE_SENT,
            actor=actor,
            lines=[
                ledger.NoteLine(card_id, {"message": source, "by": channel, "message_id": str(message.pk)}, sent_at)
                for _pk, card_id, channel, sent_at in due
            ],
        )
        MessageDelivery.objects.filter(pk__in=[pk for pk, *_rest in due]).update(ledger_noted=True)
    return len(due)


def _actor(message: Message) -> Actor:
    return Actor(merchant=message.merchant, channel=Channel.SYSTEM, user=message.created_by)


def ledger_catch_up(*, message: Message) -> int:
    """Write the ledger lines a killed round left unwritten: its deliveries recorded sent before the batch's lines.
    A live round's batch may be about to write some of them too; each is written once (``ledger_note_sent``)."""
    written = 0
    unnoted = MessageDelivery.objects.filter(message_id=message.pk, state=DeliveryState.SENT, ledger_noted=False)
    while ids := list(unnoted.order_by("pk").values_list("pk", flat=True)[:500]):
        written += ledger_note_sent(message=message, delivery_ids=ids, actor=_actor(message))
        if len(ids) < 500:
            break
    return written


def message_finish_if_done(message_id: Any) -> bool:
    """Mark the message done once no delivery of it is pending (and every sent one has its ledger line); True when
    it is done."""
    if MessageDelivery.objects.filter(message_id=message_id, state=DeliveryState.PENDING).exists():
        return False
    message = Message.objects.select_related("created_by", "merchant").filter(pk=message_id).first()
    if message is not None:
        ledger_catch_up(message=message)
    Message.objects.filter(pk=message_id, state=MessageState.SENDING).update(
        state=MessageState.DONE, finished_at=clock.now()
    )
    return True


def message_send(
    *, message_id: Any, batch: int = BATCH, connect: ConnectionFactory | None = None, seconds: float | None = None
) -> SendReport:
    """One round over a message being sent: batch after batch of its due deliveries, for at most ``seconds``
    (``report.more`` when it stopped with some still due). Safe from any number of workers at once; a delivery is
    sent by one round only. Deliveries waiting for a retry are left to the sweep."""
    report = SendReport()
    message = Message.objects.select_related("created_by", "merchant").filter(pk=message_id).first()
    if message is None or message.state != MessageState.SENDING:
        return report
    actor = _actor(message)
    ledger_catch_up(message=message)
    templates: Templates = {}
    deadline = time.monotonic() + (round_seconds() if seconds is None else seconds)
    factory = connect or (lambda: get_connection(fail_silently=False))
    with WalletClients() as wallet_clients:  # the round's connections to APNs and Google, for all its batches
        while True:
            claimed = locks.deliveries_claim(message_id=message.pk, now=clock.now(), claim_for=claim_for(), limit=batch)
            if not claimed:
                break
            for delivery in claimed:
                delivery.merchant = message.merchant  # one merchant's rows: one instance, not one loaded per delivery
            _send_batch(message, claimed, report, factory, actor, templates, wallet_clients)
            report.batches += 1
            Message.objects.filter(pk=message.pk).update(heartbeat_at=clock.now())
            if time.monotonic() >= deadline:
                report.more = locks.deliveries_due_exist(message_id=message.pk, now=clock.now())
                break
    message_finish_if_done(message.pk)
    return report
