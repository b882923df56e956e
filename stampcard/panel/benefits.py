"""The fields that say what a voucher gives, for every panel form that makes vouchers or describes them (a voucher
for a customer, a batch, a lottery prize, a milestone): a gift, a percentage off, or an amount off the check.

The amount is typed in major units (125.50) and kept in minor units (12550), like every amount in the panel. A
template shows the part of the kind chosen with ``data-benefit`` around the fields and ``data-benefit-for`` on each
part (``frontend/panel/src/common.js``)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stampcard.core.benefit import MAX_PERCENT, Benefit, BenefitKind
from stampcard.core.errors import ValidationFailed

MINOR_PER_MAJOR = 100  # the currencies merchants use here (UAH, EUR, PLN…) have two decimals
MAX_AMOUNT_MAJOR = Decimal("1000000")


class _KindField(forms.ChoiceField):
    def has_changed(self, initial: Any, data: Any) -> bool:
        # Not sent and "gift" are the same choice: a blank extra row of a formset stays blank.
        return (data or BenefitKind.GIFT) != (initial or BenefitKind.GIFT)


class BenefitFields(forms.Form):
    """Mixed into a form: ``benefit_kind`` with ``benefit_percent`` or ``benefit_amount``. ``currency`` (a keyword
    of the form) names the amount's currency in its label."""

    benefit_kind = _KindField(
        label=_("What the voucher gives"),
        choices=BenefitKind.choices,
        initial=BenefitKind.GIFT,
        required=False,  # not sent (a page from before benefits existed): a gift
        help_text=_("A discount is taken off the check by the Poster app when the voucher is redeemed."),
    )
    benefit_percent = forms.IntegerField(
        label=_("Percent off"), required=False, min_value=1, max_value=MAX_PERCENT, help_text=_("From 1 to 100.")
    )
    benefit_amount = forms.DecimalField(
        label=_("Amount off"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT_MAJOR,
        max_digits=9,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=_("Never more than the check: a smaller check is simply free."),
    )

    def __init__(self, *args: Any, currency: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if currency:
            self.fields["benefit_amount"].label = _("Amount off (%(currency)s)") % {"currency": currency}

    def benefit_applies(self, data: dict[str, Any]) -> bool:
        """Whether this form makes a voucher at all (a milestone or prize of another kind ignores the fields)."""
        return True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.benefit_applies(data):
            return data
        kind = data.get("benefit_kind")
        if kind == BenefitKind.PERCENT and data.get("benefit_percent") is None and "benefit_percent" not in self.errors:
            self.add_error("benefit_percent", _("Say how many percent the voucher takes off, from 1 to 100."))
        if kind == BenefitKind.AMOUNT and data.get("benefit_amount") is None and "benefit_amount" not in self.errors:
            self.add_error("benefit_amount", _("Say how much the voucher takes off the check, e.g. 50.00."))
        return data

    def benefit(self) -> Benefit:
        data = self.cleaned_data
        kind = data.get("benefit_kind") or BenefitKind.GIFT
        if kind == BenefitKind.PERCENT:
            return Benefit(kind=kind, value=data["benefit_percent"])
        if kind == BenefitKind.AMOUNT:
            return Benefit(kind=kind, value=int(data["benefit_amount"] * MINOR_PER_MAJOR))
        return Benefit()


def benefit_initial(spec: Any) -> dict[str, Any]:
    """A stored benefit (``{"kind", "value"}`` or None) as the fields' initial values."""
    try:
        benefit = Benefit.from_spec(spec)
    except ValidationFailed:  # a row no form could have saved shows as a gift rather than breaking the page
        benefit = Benefit()
    initial: dict[str, Any] = {"benefit_kind": benefit.kind}
    if benefit.kind == BenefitKind.PERCENT:
        initial["benefit_percent"] = benefit.value
    elif benefit.kind == BenefitKind.AMOUNT:
        initial["benefit_amount"] = Decimal(benefit.value) / MINOR_PER_MAJOR
    return initial
