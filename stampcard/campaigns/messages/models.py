"""A message and its deliveries.

``Message`` is what is said (subject, text, HTML and the wallet text per language, or a template key) and through
which channels; ``Delivery`` is that message for one recipient on one channel. ``(message, channel, card)`` is
unique, and on the email channel so is ``(message, customer)``: adding the same audience twice adds nobody twice, and
a customer holding two cards gets one email (but a wallet message on each card's pass). A delivery moves
``pending -> sent | failed | skipped`` once (``sender``); a skipped or failed one says why in ``reason`` (a stable
code, ``REASONS``), a wallet message sent without a notification says ``sent_silently``. The one later move is
``sent -> failed`` with ``bounced``, when the mail server returns the email afterwards (``bounces``).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WALLET = "wallet", _("Wallet message")


class MessageState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Message(TenantModel):
    """What a merchant says to customers. ``parts`` maps a language code to ``{"subject", "text", "html"}`` (html may
    be empty: it is made from the text); with ``template_key`` the parts come from the templates of that key instead
    (``messages/email/<key>_subject.txt``, ``<key>.txt``, ``<key>.html``), rendered per recipient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channels = models.JSONField(default=list, help_text=_('Channels to send through, e.g. ["email"].'))
    parts = models.JSONField(default=dict, blank=True)
    template_key = models.CharField(max_length=64, blank=True)
    is_marketing = models.BooleanField(
        default=True, help_text=_("Marketing messages go only to customers who agreed to receive them.")
    )
    source = models.CharField(max_length=32, blank=True, help_text=_("What made it: campaign, automation, test…"))
    state = models.CharField(max_length=16, choices=MessageState.choices, default=MessageState.DRAFT)
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of a sending round (a batch recorded): the sweep re-queues a message whose rounds stopped.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "-created_at"], name="message_recent"),
            models.Index(fields=["heartbeat_at"], name="message_sending", condition=Q(state="sending")),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.state})"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


# Why a delivery was skipped or failed: stable codes (the panel and the API show them; clients branch on them).
REASONS = {
    "no_consent": _("The customer did not agree to marketing messages"),
    "no_email": _("The customer has no email address"),
    "unsubscribed": _("The customer unsubscribed"),
    "erased": _("The customer's data was erased"),
    "smtp_error": _("The mail server could not be reached or refused the message"),
    "bounced": _("The mail server refused the address"),
    "cancelled": _("The message was stopped before it was sent"),
    "bad_address": _("The email address cannot be used"),
    "render_error": _("The email could not be written (an error of ours)"),
    "address_bounced": _("Earlier email to this address came back: the address does not exist"),
    # Wallet messages: the codes of ``stampcard.wallet.messages``.
    "sent_silently": _("Put on the Google pass without a notification (Google's limit of 3 a day was reached)"),
    "wallet_pass_missing": _("The customer has not added the card to Apple Wallet or Google Wallet"),
    "wallet_pass_not_installed": _("The card's Apple pass is no longer on any phone"),
    "wallet_message_empty": _("The wallet message has no text"),
    "wallet_message_too_long": _("The wallet message is too long for the pass"),
    "wallet_not_configured": _("Google Wallet is not set up on this server"),
    "wallet_unavailable": _("Apple or Google could not be reached"),
    "wallet_refused": _("Apple or Google refused the message"),
}


class MessageDelivery(TenantModel):
    """One message for one recipient (a card, and its customer) on one channel."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    reason = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=254, blank=True, help_text=_("Where it went (the email at sending time)."))
    language = models.CharField(max_length=10, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Wallet deliveries: what each wallet answered so far, e.g. {"apple": "sent", "google": "wallet_unavailable"}. A
    # retry sends only to the wallets not yet done, so a pass that got the message is not pushed again.
    wallets = models.JSONField(default=dict, blank=True)
    # A sent delivery's ``message_sent`` ledger line is written with the rest of its batch's, after the batch
    # (``sender``); until then this is False, and a round that finds it so after a crash writes the line.
    ledger_noted = models.BooleanField(default=False)
    # The voucher this message gives the recipient (a campaign's, issued before sending): the email carries its
    # code, expiry and link (``vouchers``).
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "channel", "card"], name="message_delivery_once_per_card"),
            models.UniqueConstraint(
                fields=["message", "customer"],
                condition=Q(channel="email"),
                name="message_email_once_per_customer",
            ),
        ]
        indexes = [
            # What the sender claims: a message's pending deliveries, due first.
            models.Index(
                fields=["message", "next_attempt_at"], name="message_delivery_due", condition=Q(state="pending")
            ),
            models.Index(fields=["message", "state"], name="message_delivery_state"),
            # Sent deliveries still without their ledger line: a handful at most, looked for every round.
            models.Index(
                fields=["message"], name="message_delivery_unnoted", condition=Q(state="sent", ledger_noted=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} → card {self.card_id} by {self.channel} ({self.state})"

    @property
    def reason_text(self) -> str:
        return str(REASONS.get(self.reason, self.reason))


class EmailBounce(TenantModel):
    """An email address the mail system said does not exist (a hard bounce: a 5xx refusal at RCPT, or a returned DSN
    with a 5.x.x status). Marketing email to it stops; a customer who gives a new address starts afresh. One per
    (merchant, address). The address is kept as its SHA-256 (``bounces.address_hash``), so erasing a customer leaves
    no readable address behind."""

    address_hash = models.CharField(max_length=64)
    delivery = models.ForeignKey(
        MessageDelivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The email that came back."),
    )
    status = models.CharField(max_length=16, blank=True, help_text=_("The DSN status, e.g. 5.1.1."))
    diagnostic = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "address_hash"], name="email_bounce_once_per_address")
        ]

    def __str__(self) -> str:
        return f"address {self.address_hash[:12]}… bounced ({self.status})"


class EmailUnsubscribe(TenantModel):
    """That a customer withdrew their consent to marketing email from a link in one of our emails (the one-click
    ``List-Unsubscribe`` or the confirmation page). One per delivery: the link pressed twice records it once."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    delivery = models.OneToOneField(MessageDelivery, on_delete=models.CASCADE, related_name="unsubscribe")
    one_click = models.BooleanField(default=False, help_text=_("Sent by the mail app (RFC 8058), not the page."))

    def __str__(self) -> str:
        return f"customer {self.customer_id} unsubscribed at {self.created_at:%Y-%m-%d %H:%M:%S}"
