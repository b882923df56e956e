"""What we keep about the Google Wallet copies of programs (LoyaltyClass) and cards (LoyaltyObject)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class GoogleClass(TenantModel):
    """The LoyaltyClass of one program, as last inserted or patched at Google."""

    program = models.OneToOneField("cards.Program", on_delete=models.CASCADE, related_name="google_class")
    class_id = models.CharField(max_length=200, unique=True, help_text=_("<issuer id>.<suffix>, as Google knows it."))
    synced_hash = models.CharField(max_length=64, blank=True, help_text=_("Hash of the payload Google holds."))
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.class_id


class GoogleObject(TenantModel):
    """The LoyaltyObject of one card. ``synced_*`` describe what Google holds, so a repeated change is a no-op."""

    card = models.OneToOneField("cards.Card", on_delete=models.CASCADE, related_name="google_object")
    google_class = models.ForeignKey(GoogleClass, on_delete=models.PROTECT, related_name="google_objects")
    object_id = models.CharField(max_length=200, unique=True)
    synced_hash = models.CharField(max_length=64, blank=True)
    synced_balance = models.CharField(max_length=32, blank=True)
    synced_changed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The card's changed_at that the payload Google holds was built from.")
    )
    synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.object_id


class GoogleNotification(TenantModel):
    """A patch sent with NOTIFY_ON_UPDATE. Google allows three per object in 24 hours; these rows count them."""

    google_object = models.ForeignKey(GoogleObject, on_delete=models.CASCADE, related_name="notifications")
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["google_object", "sent_at"], name="gw_notification_window")]


class GoogleMessage(TenantModel):
    """A message added to an object with ``addMessage``, once per (object, message key). ``notified`` says whether it
    was sent with TEXT_AND_NOTIFY; a notifying one also holds a ``GoogleNotification``, the quota Google counts
    across notifying messages and notifying updates alike."""

    google_object = models.ForeignKey(GoogleObject, on_delete=models.CASCADE, related_name="messages")
    message_key = models.CharField(max_length=200)
    message_id = models.CharField(max_length=64, help_text=_("The Message.id sent to Google."))
    sent_at = models.DateTimeField()
    notified = models.BooleanField()
    delivered = models.BooleanField(default=False, help_text=_("Google accepted the call."))
    notification = models.OneToOneField(
        GoogleNotification, null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["google_object", "message_key"], name="gw_message_once_per_key"),
        ]
        indexes = [models.Index(fields=["google_object", "sent_at"], name="gw_message_window")]


class WalletEventType(models.TextChoices):
    SAVE = "save", _("Saved to Google Wallet")
    DELETE = "del", _("Removed from Google Wallet")


class GoogleCallbackEvent(TenantModel):
    """One verified save/delete callback from Google. The nonce makes a redelivered callback a no-op."""

    google_object = models.ForeignKey(GoogleObject, on_delete=models.CASCADE, related_name="events")
    nonce = models.CharField(max_length=200)
    event_type = models.CharField(max_length=8, choices=WalletEventType.choices)
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("The signed message's expTimeMillis."))
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["nonce"], name="gw_callback_nonce_unique"),
            models.CheckConstraint(condition=Q(event_type__in=["save", "del"]), name="gw_callback_event_type"),
        ]


class HeroDesign(models.Model):
    """The look of a stamp strip, keyed by its hash. Kept forever so every hero URL ever sent keeps rendering.

    Not tenant data: two programs with the same colours and goal share a row (and Google's image cache)."""

    hash = models.CharField(max_length=32, primary_key=True)
    spec = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.hash
