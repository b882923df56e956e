"""Reads for customers."""

import uuid

from stampcard.core.errors import NotFound
from stampcard.customers.models import Customer
from stampcard.merchants.models import Merchant


def customer_get(*, merchant: Merchant, customer_id: str | uuid.UUID) -> Customer:
    try:
        return Customer.objects.get(merchant=merchant, pk=uuid.UUID(str(customer_id)))
    except (ValueError, Customer.DoesNotExist):
        raise NotFound(code="customer_not_found") from None
