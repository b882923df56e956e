"""What we keep about Poster: connected accounts (token encrypted at rest), their spots, and every webhook delivery."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel, TimestampedModel


class AccountStatus(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    # Installed from Poster's marketplace (the application/added webhook brought a token) but not yet tied to a
    # merchant: the OAuth connect from stampcard claims it.
    UNCLAIMED = "unclaimed", _("Installed in Poster, not yet connected")
    TOKEN_REJECTED = "token_rejected", _("Poster refused the token: connect again")
    DISCONNECTED = "disconnected", _("Disconnected")


class PosterAccount(TimestampedModel):
    """One Poster account (its login, the ``{account}`` of ``{account}.joinposter.com``) and its API token.

    ``merchant`` is empty only while the account is unclaimed; every other state belongs to exactly one merchant.
    """

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, null=True, blank=True, related_name="poster_accounts"
    )
    account = models.CharField(max_length=64, unique=True, help_text=_("The Poster account login (subdomain)."))
    account_number = models.CharField(max_length=32, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text=_("ISO 4217 code from Poster's settings."))
    access_token_encrypted = models.TextField(blank=True, help_text=_("Fernet token; see stampcard.poster.crypto."))
    token_hint = models.CharField(max_length=8, blank=True, help_text=_("Last characters of the token, for support."))
    poster_user_id = models.CharField(max_length=32, blank=True, help_text=_("The Poster employee who installed us."))
    connected_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.UNCLAIMED)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status=AccountStatus.UNCLAIMED) | Q(merchant__isnull=False),
                name="poster_account_claimed_has_merchant",
            ),
        ]

    def __str__(self) -> str:
        return self.account

    @property
    def is_connected(self) -> bool:
        return self.status == AccountStatus.CONNECTED and bool(self.access_token_encrypted)


class PosterSpot(TenantModel):
    """A Poster spot (``spot_id``) and the stampcard location its checks are counted at."""

    poster_account = models.ForeignKey(PosterAccount, on_delete=models.CASCADE, related_name="spots")
    spot_id = models.CharField(max_length=32)
    name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    location = models.ForeignKey(
        "merchants.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="poster_spots"
    )

    class Meta:
        ordering = ["poster_account", "spot_id"]
        constraints = [
            models.UniqueConstraint(fields=["poster_account", "spot_id"], name="poster_spot_unique_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.poster_account_id}:{self.spot_id} {self.name}"


class DeliveryOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    STAMPED = "stamped", _("Check committed")
    REPLAYED = "replayed", _("Check already committed")
    AMENDED = "amended", _("Check total corrected to the paid sum")
    REVERSED = "reversed", _("Check reversed")
    NOTHING_TO_REVERSE = "nothing_to_reverse", _("No committed check to reverse")
    OPEN = "open", _("Order still open")
    NO_CARD = "no_card", _("No stampcard card on the order")
    CARD_NOT_FOUND = "card_not_found", _("The card on the order does not exist")
    REFUSED = "refused", _("Refused by stampcard")
    TRANSACTION_NOT_FOUND = "transaction_not_found", _("Poster does not know the transaction")
    ACCOUNT_NOT_CONNECTED = "account_not_connected", _("The Poster account is not connected")
    TOKEN_REJECTED = "token_rejected", _("Poster refused our token")
    TOKEN_STORED = "token_stored", _("Application token stored")
    APP_REMOVED = "app_removed", _("Application removed in Poster")
    IGNORED = "ignored", _("Not an event we act on")
    FAILED = "failed", _("Gave up after retries")


class PosterWebhookDelivery(models.Model):
    """One webhook Poster delivered with a valid signature. ``dedupe_key`` makes a redelivery a no-op: Poster retries
    an unanswered webhook 15 more times over two days, and a retry repeats the same body."""

    poster_account = models.ForeignKey(
        PosterAccount, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    account = models.CharField(max_length=64)
    account_number = models.CharField(max_length=32, blank=True)
    object = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=32)
    time = models.CharField(max_length=32, help_text=_("Poster's `time` field, as sent (unix seconds)."))
    sent_at = models.DateTimeField(null=True, blank=True)
    raw_body = models.TextField(help_text=_("The body as received; an application token in it is redacted."))
    signature_ok = models.BooleanField(default=True)
    dedupe_key = models.CharField(max_length=64, unique=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=32, choices=DeliveryOutcome.choices, default=DeliveryOutcome.PENDING)
    detail = models.JSONField(default=dict, blank=True)
    # Who may process it until when (``deliveries.delivery_process``): the task run that took it, or the retry task
    # scheduled for it. Past ``lease_until`` anyone may take it over (its holder died); the resume sweep does.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = _("Poster webhook deliveries")
        indexes = [
            models.Index(fields=["account", "object", "object_id"], name="poster_delivery_object"),
            models.Index(fields=["outcome", "received_at"], name="poster_delivery_outcome"),
            models.Index(
                fields=["received_at"], name="poster_delivery_unfinished", condition=models.Q(processed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.object}/{self.object_id} {self.action} @{self.time}"
