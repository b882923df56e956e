"""Apple Wallet passes of cards, the devices registered for their updates, and what the devices logged."""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core import secretbox
from stampcard.core.models import TenantModel, TimestampedModel


def new_serial_number() -> str:
    return uuid.uuid4().hex


def new_authentication_token() -> str:
    # Apple wants at least 16 characters; 32 URL-safe characters carry 192 bits.
    return secrets.token_urlsafe(24)


def new_public_token() -> str:
    return secrets.token_urlsafe(32)


AUTHENTICATION_TOKEN_PURPOSE = "apple-pass-authentication-token"
PUBLIC_TOKEN_PURPOSE = "apple-pass-public-token"


class ApplePass(TenantModel):
    """The Apple Wallet pass of one card. Serial number and authentication token are fixed for the pass's life
    (Apple requires it); the public token is the unguessable part of the pass's download link.

    Neither token is stored in clear (``core.secretbox``): a SHA-256 of each checks a device's ``ApplePass`` header
    and finds the pass of a download link, and a sealed copy puts the same tokens into every rebuilt pass and link.
    ``authentication_token`` and ``public_token`` read and write them like fields; ``apple_pass_ensure`` sets both.
    """

    card = models.OneToOneField("cards.Card", on_delete=models.CASCADE, related_name="apple_pass")
    pass_type_identifier = models.CharField(max_length=255)
    serial_number = models.CharField(max_length=64, unique=True, default=new_serial_number)
    authentication_token_digest = models.CharField(
        max_length=secretbox.DIGEST_LENGTH, help_text=_("SHA-256 of the web-service authentication token.")
    )
    authentication_token_sealed = models.CharField(max_length=secretbox.SEALED_MAX_LENGTH, editable=False)
    public_token_digest = models.CharField(
        max_length=secretbox.DIGEST_LENGTH, unique=True, help_text=_("SHA-256 of the download link's token.")
    )
    public_token_sealed = models.CharField(max_length=secretbox.SEALED_MAX_LENGTH, editable=False)
    pushed_changed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The card's changed_at that its devices were last told about.")
    )
    # The latest wallet message (``apple.messages``): shown in a field whose changeMessage puts it on the lock screen.
    message = models.TextField(blank=True, help_text=_("The latest message sent to the pass's holder."))
    message_key = models.CharField(max_length=200, blank=True, help_text=_("Who sent it: the message and recipient."))
    message_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Apple Wallet pass")

    def __str__(self) -> str:
        return self.serial_number

    authentication_token = secretbox.sealed_token(
        purpose=AUTHENTICATION_TOKEN_PURPOSE, prefix="authentication_token", doc="What pass.json carries."
    )
    public_token = secretbox.sealed_token(
        purpose=PUBLIC_TOKEN_PURPOSE, prefix="public_token", doc="The secret part of the download link."
    )


class AppleMessage(TenantModel):
    """A wallet message put on a pass, once per message key (the message and its recipient), so a send retried after
    a crash never puts an older text back over a newer one."""

    apple_pass = models.ForeignKey(ApplePass, on_delete=models.CASCADE, related_name="messages")
    message_key = models.CharField(max_length=200)
    text = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Apple Wallet message")
        constraints = [
            models.UniqueConstraint(fields=["apple_pass", "message_key"], name="apple_message_once_per_key"),
        ]


class AppleRegistration(TimestampedModel):
    """One device's registration for one pass's updates. A device has one push token for every pass of a type."""

    apple_pass = models.ForeignKey(ApplePass, on_delete=models.CASCADE, related_name="registrations")
    device_library_identifier = models.CharField(max_length=255)
    push_token = models.CharField(max_length=255)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Apple Wallet device registration")
        constraints = [
            models.UniqueConstraint(
                fields=["device_library_identifier", "apple_pass"], name="apple_registration_one_per_device_pass"
            )
        ]
        indexes = [models.Index(fields=["push_token"], name="apple_registration_push_token")]

    def __str__(self) -> str:
        return f"{self.device_library_identifier} -> {self.apple_pass_id}"


class AppleDeviceLog(TimestampedModel):
    """A line a device sent to ``/v1/log``: the only way to learn why a device rejected a pass or an update."""

    message = models.TextField()

    class Meta:
        verbose_name = _("Apple Wallet device log")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message[:80]
