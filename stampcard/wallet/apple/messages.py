"""Wallet messages to Apple Wallet holders.

Apple has no message API: the lock screen shows a pass field's ``changeMessage`` when an update changes that field's
value (shared/reference/wallet.md section 1.2; the push payload itself is ignored). So a message is a field of the
pass (``pkpass``: key ``message``, ``changeMessage`` "%@", i.e. the text itself), the card's ``changed_at`` moves so
the web service hands the device the new pass, and the pass's devices are pushed at once over APNs.

Wallet shows ``changeMessage`` only when the field's value differs from the one the phone holds, so the same text
sent twice in a row ("Open until 22:00 today" every Friday) would land silently. A repeat is therefore stored with an
invisible WORD JOINER (U+2060) appended (and the next repeat without it again): the value changes, the lock screen
reads the same words.

Runs in the worker, outside any transaction (the push is a network call). Idempotent per message key: a retried send
pushes again but never writes an older text back over a newer one (nor a new value: the phone compares it with the
one it holds and shows nothing twice).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q

from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.wallet.apple import push
from stampcard.wallet.apple.models import AppleMessage, ApplePass, AppleRegistration
from stampcard.wallet.messages import (
    PASS_MISSING,
    PASS_NOT_INSTALLED,
    REFUSED,
    SENT,
    UNAVAILABLE,
    WalletMessageResult,
    text_problem,
    text_validate,
)

# iOS shows a notification body in full up to about four lines on the lock screen (~150 characters on a phone)
# and cuts the rest behind "…"; the pass's back shows any length, but the lock screen is what the customer reads.
MAX_CHARS = 150
FIELD_KEY = "message"
REPEAT_MARK = "\u2060"  # WORD JOINER: no width, no glyph, not a space iOS would trim


def field_value(text: str, *, previous: str) -> str:
    """The field value that shows ``text`` and differs from the ``previous`` value, so Wallet announces it."""
    return text if text != previous else text + REPEAT_MARK


def apple_message_validate(text: str) -> str:
    """The text stripped, or ValidationFailed (``wallet_message_empty`` / ``wallet_message_too_long``)."""
    return text_validate(text, max_chars=MAX_CHARS)


def apple_message_send(
    card: Card, text: str, *, message_key: str, client_factory: push.ClientFactory | None = None
) -> WalletMessageResult:
    """Show ``text`` on the card's Apple pass and its holder's lock screen. Never raises for a delivery problem:
    the result says ``sent`` or the failure's code (``retryable`` when trying later may work)."""
    problem = text_problem(text, max_chars=MAX_CHARS)
    if problem is not None:
        return WalletMessageResult.failed(problem)
    apple_pass = ApplePass.objects.filter(card_id=card.pk).first()
    if apple_pass is None:
        return WalletMessageResult.failed(PASS_MISSING)
    if not AppleRegistration.objects.filter(apple_pass=apple_pass).exists():
        return WalletMessageResult.failed(PASS_NOT_INSTALLED)
    replayed, changed_at = _store(apple_pass=apple_pass, text=text.strip(), message_key=message_key)
    tokens = AppleRegistration.objects.filter(apple_pass=apple_pass).values_list("push_token", flat=True)
    report = push.tokens_push(
        tokens=[(apple_pass.pass_type_identifier, token) for token in set(tokens)],
        **({"client_factory": client_factory} if client_factory is not None else {}),
    )
    if report.pushed:
        # The feed need not push this change again (no CardChange row was written for it anyway).
        ApplePass.objects.filter(pk=apple_pass.pk).filter(
            Q(pushed_changed_at__isnull=True) | Q(pushed_changed_at__lt=changed_at)
        ).update(pushed_changed_at=changed_at)
        return WalletMessageResult(sent=True, code=SENT, notified=True, replayed=replayed)
    if report.retry:
        return WalletMessageResult.failed(UNAVAILABLE, retryable=True)
    if report.failed:
        return WalletMessageResult.failed(REFUSED)
    return WalletMessageResult.failed(PASS_NOT_INSTALLED)  # every token was dead and is forgotten now


def _store(*, apple_pass: ApplePass, text: str, message_key: str) -> tuple[bool, dt.datetime]:
    """Put the text on the pass and move the card's ``changed_at``, in one transaction under the pass's row lock.
    Returns (whether this key was stored before, the card's changed_at)."""
    now = clock.now()
    try:
        with transaction.atomic():
            locked = ApplePass.objects.select_for_update().get(pk=apple_pass.pk)
            changed_at = Card.objects.values_list("changed_at", flat=True).get(pk=locked.card_id)
            if AppleMessage.objects.filter(apple_pass=locked, message_key=message_key).exists():
                return True, changed_at or now
            AppleMessage.objects.create(
                merchant_id=locked.merchant_id, apple_pass=locked, message_key=message_key, text=text, sent_at=now
            )
            value = field_value(text, previous=locked.message)
            locked.message, locked.message_key, locked.message_sent_at = value, message_key, now
            locked.save(update_fields=["message", "message_key", "message_sent_at"])
            # What the device compares: the web service's serials and Last-Modified read the card's changed_at, which
            # must move forward even when a change was stamped later than our clock reads (another server's clock).
            moved = now if changed_at is None or now > changed_at else changed_at + dt.timedelta(microseconds=1)
            Card.objects.filter(pk=locked.card_id).update(changed_at=moved)
            return False, moved
    except IntegrityError:  # the same key stored by a concurrent send (SQLite has no row lock to wait on)
        return True, now
