"""Customers: people known to one merchant."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stampcard.core.models import TenantModel


class Customer(TenantModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    # Folded copy of the name (lower case, no accents) so name search is the same on SQLite and PostgreSQL.
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    email = models.EmailField(blank=True, help_text=_("Stored lower-cased."))
    phone = models.CharField(max_length=20, blank=True, help_text=_("E.164, e.g. +380501234567."))
    birthday = models.DateField(null=True, blank=True)
    # When the birthday was given: the birthday automation ignores one entered shortly before it, so a customer
    # cannot type tomorrow's date to collect a birthday voucher.
    birthday_set_at = models.DateTimeField(null=True, blank=True)
    marketing_email_consent = models.BooleanField(default=False)
    marketing_email_consent_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the customer reads their card, passes and emails in: the one they joined in."),
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Personal data erased on request; the row stays for the ledger.")
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A duplicate merged into this customer; the row stays for the ledger of its closed cards."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "email"], condition=~Q(email=""), name="customer_email_unique_per_merchant"
            ),
            models.UniqueConstraint(
                fields=["merchant", "phone"], condition=~Q(phone=""), name="customer_phone_unique_per_merchant"
            ),
        ]
        indexes = [models.Index(fields=["merchant", "name_folded"], name="customer_name_search")]

    def __str__(self) -> str:
        return self.name


class CustomerErasure(TenantModel):
    """That a customer's personal data was erased: who asked, through which channel, when. Keeps none of the data."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="erasure")
    erased_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"customer {self.customer_id} erased at {self.created_at:%Y-%m-%d %H:%M:%S}"


class CustomerMerge(TenantModel):
    """That two customers were merged: who merged them, through which channel, and what moved (``summary``).

    ``absorbed`` is the duplicate that was closed; ``survivor`` keeps one card per program. Written by
    ``checkouts.merge.customers_merge`` in the merge's transaction, beside a ledger line on every card it touched.
    """

    survivor = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges_in")
    absorbed = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="merge_out")
    merged_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=16)
    summary = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"customer {self.absorbed_id} merged into {self.survivor_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
