"""The customer pages' lost-phone recovery codes. (A card's web token and a program's join slug are the cards app's:
``cards.CardLink``, ``cards.ProgramLink``.)"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TimestampedModel


class RecoveryCode(TimestampedModel):
    """A one-time code sent to an email to restore its cards on a new phone.

    Only hashes are stored: of the email (for the per-email limit), of the requester's IP (per-IP limit) and of the
    code (keyed with SECRET_KEY, so a copy of the database alone does not give the codes away). A request for an
    unknown email makes a row too, with an empty ``customer_ids`` and a code nobody was sent: the flow looks the same
    either way.
    """

    email_hash = models.CharField(max_length=64, db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=64)
    customer_ids = models.JSONField(default=list, blank=True, help_text=_("Customers holding this email."))
    program = models.ForeignKey(
        "cards.Program",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set when recovery started from this program's join page: its card is restored or issued."),
    )
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery {self.pk}"


class DataRightsKind(models.TextChoices):
    EXPORT = "export", _("Download my data")
    ERASE = "erase", _("Delete my data")


class DataRightsCode(TimestampedModel):
    """A one-time code emailed to a card's customer to confirm they asked, from their web card, for their data or
    for its erasure. Only the code's keyed hash is stored, like ``RecoveryCode``."""

    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=DataRightsKind.choices)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk}"


class CardOpen(models.Model):
    """When the customer last opened their web card: one row per card, moved forward on each visit. Campaign results
    count a recipient as "opened the card" when this is later than the campaign's sending. Only the web card is
    seen: a wallet app showing the pass tells us nothing."""

    card = models.OneToOneField("cards.Card", on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_opened_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"card {self.card_id} opened {self.last_opened_at:%Y-%m-%d %H:%M}"
