"""What a voucher gives (a milestone's, a lottery prize's or an issued voucher's terms): a gift the cashier hands
over, a percentage off the check, or a fixed amount off it; and how much a discount takes off a given check.

Money is in minor units of the merchant's currency, like every amount in stampcard.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.core.errors import ValidationFailed

MAX_PERCENT = 100
# The same ceiling the API puts on a check's total: an amount off can never be larger than a check.
MAX_AMOUNT = 10**12


class BenefitKind(models.TextChoices):
    GIFT = "gift", _("A gift or item handed over")
    PERCENT = "percent", _("A percentage off the check")
    AMOUNT = "amount", _("A fixed amount off the check")


def _invalid(message: Any, field: str = "benefit") -> ValidationFailed:
    return ValidationFailed(message, code="invalid_benefit", field=field)


@dataclass(frozen=True)
class Benefit:
    """``gift`` has value 0; ``percent`` a whole percentage from 1 to 100; ``amount`` minor units from 1."""

    kind: str = BenefitKind.GIFT
    value: int = 0

    def __post_init__(self) -> None:
        if self.kind not in BenefitKind.values:
            raise _invalid(_("The benefit is one of: %s.") % ", ".join(BenefitKind.values), "benefit.kind")
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise _invalid(_("The benefit's value is a whole number."), "benefit.value")
        if self.kind == BenefitKind.GIFT and self.value != 0:
            raise _invalid(_("A gift has no value: send 0 or leave it out."), "benefit.value")
        if self.kind == BenefitKind.PERCENT and not 1 <= self.value <= MAX_PERCENT:
            raise _invalid(_("A percentage off is a whole number from 1 to 100."), "benefit.value")
        if self.kind == BenefitKind.AMOUNT and not 1 <= self.value <= MAX_AMOUNT:
            raise _invalid(
                _("An amount off is at least 1 minor unit (a cent) and at most %(max)d.") % {"max": MAX_AMOUNT},
                "benefit.value",
            )

    @classmethod
    def from_spec(cls, spec: Any) -> "Benefit":
        """``{"kind": "percent", "value": 10}`` | ``{"kind": "amount", "value": 5000}`` | ``{"kind": "gift"}``;
        None (or ``{}``) is a gift. Raises ValidationFailed (``invalid_benefit``) naming the field."""
        if spec is None:
            return cls()
        if not isinstance(spec, dict):
            raise _invalid(_('The benefit is an object such as {"kind": "percent", "value": 10}.'))
        if not spec:
            return cls()
        if not set(spec) <= {"kind", "value"}:
            raise _invalid(_("The benefit has a kind and a value, nothing else."))
        return cls(kind=spec.get("kind", BenefitKind.GIFT), value=spec.get("value", 0) or 0)

    def as_spec(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "value": self.value}

    @property
    def is_discount(self) -> bool:
        return self.kind != BenefitKind.GIFT

    def discount_on(self, total: int) -> int:
        """What this benefit takes off a check of ``total`` minor units: a percentage rounded to the nearest minor
        unit (halves up: 10% of 12.55 is 1.26), a fixed amount as it is, either at most the total. 0 for a gift."""
        total = max(int(total), 0)
        if self.kind == BenefitKind.PERCENT:
            return min((total * self.value + 50) // 100, total)
        if self.kind == BenefitKind.AMOUNT:
            return min(self.value, total)
        return 0
