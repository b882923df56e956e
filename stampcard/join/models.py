"""Public links of the customer pages and the lost-phone recovery codes.

``ProgramLink`` gives a program a short public slug for its join QR (a shorter URL is a smaller QR, which matters on a
5x5 cm label); the program's UUID works too. ``CardLink`` is the bearer token of a card's web page: unguessable,
stable, and distinct from the card's QR payload (which a cashier's scanner reads and a receipt may print) and from its
six-digit number (a staff lookup key, never a credential).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TimestampedModel


class ProgramLink(TimestampedModel):
    program = models.OneToOneField("cards.Program", on_delete=models.CASCADE, related_name="join_link")
    slug = models.CharField(max_length=16, unique=True)

    def __str__(self) -> str:
        return self.slug


class CardLink(TimestampedModel):
    card = models.OneToOneField("cards.Card", on_delete=models.CASCADE, related_name="web_link")
    token = models.CharField(max_length=48, unique=True)

    def __str__(self) -> str:
        return f"card {self.card_id}"


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
