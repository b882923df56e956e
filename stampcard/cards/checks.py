"""A POS check as every channel hands it to a checkout or a receipt claim: one shape, one validator.

The API schemas (``checkouts.schemas.CheckIn``) bound the fields for JSON callers; this validator is what every
channel meets, whatever the caller, so a check refused at the counter is refused with the same code everywhere.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from stampcard.cards import errors
from stampcard.core.errors import ValidationFailed
from stampcard.merchants.models import Merchant

EXTERNAL_ID_MAX = 64
POS_MAX = 32


@dataclass(frozen=True)
class CheckInput:
    external_id: str
    total: int
    currency: str
    pos: str = "api"
    closed_at: datetime | None = None


def check_validate(*, merchant: Merchant, check: CheckInput) -> None:
    """Raise ValidationFailed (invalid_external_id, invalid_pos, invalid_total) or CurrencyMismatch."""
    if not check.external_id or len(check.external_id) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            _("The check needs an external id of 1 to 64 characters."),
            code="invalid_external_id",
            field="check.external_id",
        )
    if not check.pos or len(check.pos) > POS_MAX:
        raise ValidationFailed(_("Name the POS in 1 to 32 characters."), code="invalid_pos", field="check.pos")
    if check.total < 0:
        raise ValidationFailed(_("The check total cannot be negative."), code="invalid_total", field="check.total")
    if check.currency.upper() != merchant.currency:
        raise errors.CurrencyMismatch(expected=merchant.currency, got=check.currency.upper())
