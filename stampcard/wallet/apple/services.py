"""Writes for Apple Wallet: a card's pass row, device registrations and device logs."""

from django.db import IntegrityError, transaction

from stampcard.cards.changes import card_in_wallet
from stampcard.cards.models import Card
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


def device_register(*, apple_pass: ApplePass, device_library_identifier: str, push_token: str) -> bool:
    """Register a device for a pass's updates; True when new, False when it was registered (its token refreshed)."""
    registration, created = AppleRegistration.objects.get_or_create(
        apple_pass=apple_pass,
        device_library_identifier=device_library_identifier,
        defaults={"push_token": push_token},
    )
    if created:
        card_in_wallet(card_id=apple_pass.card_id)
    if not created and registration.push_token != push_token:
        registration.push_token = push_token
        registration.save(update_fields=["push_token", "updated_at"])
    return created


def device_unregister(*, apple_pass: ApplePass, device_library_identifier: str) -> None:
    AppleRegistration.objects.filter(
        apple_pass=apple_pass, device_library_identifier=device_library_identifier
    ).delete()


def push_token_forget(*, push_token: str) -> int:
    """APNs said the token is no longer active for the topic (410): drop every registration that uses it."""
    deleted, _ = AppleRegistration.objects.filter(push_token=push_token).delete()
    return deleted


def device_logs_store(*, lines: list[str]) -> int:
    rows = [AppleDeviceLog(message=str(line)[:MAX_LOG_LINE_CHARS]) for line in lines[:MAX_LOG_LINES] if line]
    AppleDeviceLog.objects.bulk_create(rows)
    return len(rows)
