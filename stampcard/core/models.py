"""Base models shared by every tenant-owned table."""

from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class TenantModel(TimestampedModel):
    """A row owned by one merchant. Every query for it goes through a selector that takes the merchant."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True
