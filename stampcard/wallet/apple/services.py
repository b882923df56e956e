"""Writes for Apple Wallet: a card's pass row, device registrations and device logs."""

from django.db import IntegrityError, transaction

from stampcard.cards import ledger
from stampcard.cards.changes import card_in_wallet
from stampcard.cards.models import Card, EventKind
from stampcard.merchants.actors import Actor, Channel
from stampcard.wallet.apple import credentials
from stampcard.wallet.apple.models import (
    AppleDeviceLog,
    ApplePass,
    AppleRegistration,
    new_authentication_token,
    new_public_token,
)

MAX_LOG_LINES = 50
MAX_LOG_LINE_CHARS = 2000


def apple_pass_ensure(*, card: Card) -> ApplePass:
    """The card's pass row, created on first use. Its serial and tokens never change afterwards."""
    existing = ApplePass.objects.filter(card=card).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            apple_pass = ApplePass(
                card=card, merchant_id=card.merchant_id, pass_type_identifier=credentials.conf()["PASS_TYPE_ID"]
            )
            apple_pass.authentication_token = new_authentication_token()
            apple_pass.public_token = new_public_token()
            apple_pass.save(force_insert=True)
            return apple_pass
    except IntegrityError:  # another request created it first
        return ApplePass.objects.get(card=card)


def _journal(apple_pass: ApplePass, kind: EventKind) -> None:
    card = Card.objects.select_related("merchant").get(pk=apple_pass.card_id)
    actor = Actor(merchant=card.merchant, channel=Channel.SYSTEM)
    ledger.ledger_note(card=card, kind=kind, actor=actor, wallet="apple")


def device_register(*, apple_pass: ApplePass, device_library_identifier: str, push_token: str) -> bool:
    """Register a device for a pass's updates; True when new, False when it was registered (its token refreshed).
    A new registration is the pass added to a wallet: the card's journal records it (once: the registration row is
    unique per device and pass)."""
    with transaction.atomic():
        registration, created = AppleRegistration.objects.get_or_create(
            apple_pass=apple_pass,
            device_library_identifier=device_library_identifier,
            defaults={"push_token": push_token},
        )
        if created:
            _journal(apple_pass, EventKind.PASS_INSTALLED)
    if created:
        card_in_wallet(card_id=apple_pass.card_id)
    if not created and registration.push_token != push_token:
        registration.push_token = push_token
        registration.save(update_fields=["push_token", "updated_at"])
    return created


def device_unregister(*, apple_pass: ApplePass, device_library_identifier: str) -> None:
    """The device removed the pass: drop its registration and record the removal in the card's journal (only when
    there was one to drop, so a repeated DELETE records nothing)."""
    with transaction.atomic():
        deleted, _ = AppleRegistration.objects.filter(
            apple_pass=apple_pass, device_library_identifier=device_library_identifier
        ).delete()
        if deleted:
            _journal(apple_pass, EventKind.PASS_REMOVED)


def push_token_forget(*, push_token: str) -> int:
    """APNs said the token is no longer active for the topic (410): drop every registration that uses it."""
    deleted, _ = AppleRegistration.objects.filter(push_token=push_token).delete()
    return deleted


def device_logs_store(*, lines: list[str]) -> int:
    rows = [AppleDeviceLog(message=str(line)[:MAX_LOG_LINE_CHARS]) for line in lines[:MAX_LOG_LINES] if line]
    AppleDeviceLog.objects.bulk_create(rows)
    return len(rows)
