"""Delivery inserts: a batch of printed QR claims for one aggregator or campaign, one row per printed insert, and
the claims that turned a scan into a benefit.

"Once per insert" and "once per customer per batch" are database constraints on ``InsertClaim`` (the claim service
also serialises claimers on row locks, so the constraints are the backstop, not the mechanism).
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core import secretbox
from stampcard.core.models import TenantModel

MAX_INSERTS = 5000
MAX_STAMPS = 10
TOKEN_PURPOSE = "insert-token"


class Aggregator(models.TextChoices):
    GLOVO = "glovo", "Glovo"
    BOLT_FOOD = "bolt_food", "Bolt Food"
    UKLON = "uklon", "Uklon"
    ROCKET = "rocket", "Rocket"
    OWN_DELIVERY = "own_delivery", _("Own delivery")
    OTHER = "other", _("Other")


class BenefitKind(models.TextChoices):
    STAMP = "stamp", _("Stamps on the card")
    VOUCHER = "voucher", _("A voucher in the card")
    GIFT = "gift", _("A welcome gift at the counter")


class InsertBatch(TenantModel):
    """One print run of inserts: who delivers them, which program they lead into and what a scan gives."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, help_text=_('For you, e.g. "Glovo — December".'))
    aggregator = models.CharField(max_length=16, choices=Aggregator.choices, default=Aggregator.OTHER)
    aggregator_name = models.CharField(
        max_length=60, blank=True, help_text=_("The delivery service's name when it is not in the list.")
    )
    program = models.ForeignKey("cards.Program", on_delete=models.PROTECT, related_name="insert_batches")
    location = models.ForeignKey(
        "merchants.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The kitchen the orders leave from; the stamps count for it."),
    )
    count = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_INSERTS)])

    benefit_kind = models.CharField(max_length=8, choices=BenefitKind.choices, default=BenefitKind.STAMP)
    stamps = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_STAMPS)], help_text=_("For stamps.")
    )
    benefit_title = models.CharField(max_length=100, blank=True, help_text=_("For a voucher or a gift."))
    benefit_description = models.TextField(blank=True)
    voucher_validity = models.JSONField(
        null=True, blank=True, help_text=_('For a voucher: {"days": 30}, {"months": 2}, {"until": "2027-01-31"}.')
    )

    scans = models.PositiveIntegerField(default=0, help_text=_("Times an insert's page was opened."))
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("insert batch")
        verbose_name_plural = _("insert batches")
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="insertbatch_merchant_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1, count__lte=MAX_INSERTS), name="insertbatch_count_in_range"
            ),
            models.CheckConstraint(
                condition=~Q(benefit_kind__in=["voucher", "gift"]) | ~Q(benefit_title=""),
                name="insertbatch_benefit_titled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.count})"

    @property
    def aggregator_label(self) -> str:
        return self.aggregator_name or str(Aggregator(self.aggregator).label)


class Insert(TenantModel):
    """One printed insert: a serial number for people and an unguessable token in its QR.

    The token (a bearer credential: whoever holds the insert may claim it) is not stored in clear
    (``core.secretbox``): its SHA-256 finds the insert of a scanned QR, a sealed copy prints the same QR again when
    the batch's PDF is downloaded later; ``token`` reads and sets both like a field.
    """

    batch = models.ForeignKey(InsertBatch, on_delete=models.CASCADE, related_name="inserts")
    serial = models.PositiveIntegerField()
    token_digest = models.CharField(
        max_length=secretbox.DIGEST_LENGTH, unique=True, help_text=_("SHA-256 of the token in the insert's QR.")
    )
    token_sealed = models.CharField(max_length=secretbox.SEALED_MAX_LENGTH, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "serial"], name="insert_serial_unique_per_batch")]

    def __str__(self) -> str:
        return self.label

    token = secretbox.sealed_token(
        purpose=TOKEN_PURPOSE, prefix="token", doc="The token in the insert's QR (``/i/<token>``), lower case."
    )

    @property
    def label(self) -> str:
        """What is printed beside the QR, e.g. ``3F2A-0007``: the batch's first hex digits and the serial."""
        return f"{self.batch_id.hex[:4].upper()}-{self.serial:04d}"

    @property
    def check_external_id(self) -> str:
        """The external id of the check an insert's stamps are recorded on (POS ``insert``): one per insert."""
        return f"{self.batch_id}:{self.serial}"


class InsertClaim(TenantModel):
    """The scan that gave an insert's benefit to a customer's card."""

    insert = models.OneToOneField(Insert, on_delete=models.PROTECT, related_name="claim")
    batch = models.ForeignKey(InsertBatch, on_delete=models.CASCADE, related_name="claims")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="insert_claims")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="insert_claims")
    new_customer = models.BooleanField(help_text=_("The customer joined through this insert."))
    check_ref = models.ForeignKey(
        "cards.Check", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_column="check_id"
    )
    voucher = models.ForeignKey("vouchers.Voucher", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reward = models.ForeignKey("rewards.Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "customer"], name="insertclaim_once_per_customer_per_batch"),
        ]

    def __str__(self) -> str:
        return f"claim of insert {self.insert_id}"
