"""The rewards pages' forms. They check what a person can fix on the page; the services re-check everything."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stampcard.core import clock
from stampcard.core.validity import MAX_DAYS, Validity
from stampcard.lottery.models import PROBABILITY_SCALE, DrawAt, VariantKind
from stampcard.lottery.validation import MAX_VARIANTS, percent
from stampcard.panel.benefits import BenefitFields, benefit_initial
from stampcard.vouchers.issuing import MAX_BATCH
from stampcard.vouchers.models import BatchPurpose

PPM_PER_PERCENT = PROBABILITY_SCALE // 100


def percent_to_ppm(text: str) -> int:
    """A percentage as people type it ("12.5", "12,5", "33.33 %") -> parts per million, exactly.
    Raises ValidationError for anything else, or for more than 4 decimal places."""
    cleaned = (text or "").strip().rstrip("%").strip().replace(",", ".")
    try:
        exact = Decimal(cleaned) * PPM_PER_PERCENT
    except InvalidOperation:
        raise ValidationError(_("Type the chance as a percentage, such as 12.5.")) from None
    if not exact.is_finite() or exact != exact.to_integral_value():
        raise ValidationError(_("Use at most 4 decimal places (0.0001%)."))
    if not 0 <= exact <= PROBABILITY_SCALE:
        raise ValidationError(_("A chance is between 0% and 100%."))
    return int(exact)


class PercentField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        attrs = {"inputmode": "decimal", "autocomplete": "off", "data-odds-input": "", "class": "odds-input"}
        super().__init__(max_length=12, widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> int | None:
        value = super().clean(value)
        return percent_to_ppm(value) if value not in (None, "") else None


class LotteryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Customers see it, e.g. “Wheel of fortune”."))
    draw_at = forms.ChoiceField(
        label=_("When the wheel spins"), choices=DrawAt.choices, initial=DrawAt.CHECKOUT, widget=forms.RadioSelect
    )


class VariantForm(BenefitFields):
    kind = forms.ChoiceField(
        label=_("Prize kind"),
        choices=VariantKind.choices,
        initial=VariantKind.AWARD,
        widget=forms.Select(attrs={"data-variant-kind": ""}),
    )
    name = forms.CharField(label=_("Prize name"), max_length=100)
    probability = PercentField(label=_("Chance, %"))
    daily_cap = forms.IntegerField(
        label=_("At most per day"), required=False, min_value=1, help_text=_("Empty: no daily limit.")
    )
    total_cap = forms.IntegerField(
        label=_("At most in all"), required=False, min_value=1, help_text=_("Empty: no limit.")
    )
    greeting = forms.CharField(label=_("Message to the winner"), required=False, max_length=1000)
    voucher_title = forms.CharField(
        label=_("Voucher title"), required=False, max_length=100, help_text=_("Empty: the prize name.")
    )
    voucher_days = forms.IntegerField(
        label=_("Voucher valid for, days"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Empty: no end date."),
    )

    def benefit_applies(self, data: dict[str, Any]) -> bool:
        return data.get("kind") == VariantKind.VOUCHER

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == VariantKind.NOTHING:
            for cap in ("daily_cap", "total_cap"):
                if data.get(cap) is not None:
                    self.add_error(cap, _("“Nothing” never runs out: leave this limit empty."))
        daily, total = data.get("daily_cap"), data.get("total_cap")
        if daily is not None and total is not None and daily > total:
            self.add_error("daily_cap", _("The daily limit is larger than the limit in all: lower it or raise that."))
        return data

    def as_variant(self) -> dict[str, Any]:
        """The prize as ``lottery.services`` takes it."""
        data = self.cleaned_data
        variant: dict[str, Any] = {
            "kind": data["kind"],
            "name": data["name"],
            "greeting": data.get("greeting") or "",
            "probability_ppm": data["probability"],
            "daily_cap": data.get("daily_cap"),
            "total_cap": data.get("total_cap"),
        }
        if data["kind"] == VariantKind.VOUCHER:
            days = data.get("voucher_days")
            variant["voucher"] = {
                "title": data.get("voucher_title") or data["name"],
                "description": data.get("greeting") or "",
                "validity": {"days": days} if days else None,
                "benefit": self.benefit().as_spec(),
            }
        return variant


class BaseVariantFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list[VariantForm]:
        """The prizes to save, in order: filled in and not marked for removal."""
        return [
            form
            for form in self.forms
            if form.has_changed() or not form.empty_permitted
            if not (self.can_delete and self._should_delete_form(form))  # type: ignore[attr-defined]
        ]

    def total_ppm(self) -> int:
        return sum(form.cleaned_data.get("probability") or 0 for form in self.kept_forms() if form.is_valid())

    def clean(self) -> None:
        if any(form.errors for form in self.kept_forms()):
            return
        kept = self.kept_forms()
        if not kept:
            raise ValidationError(_("Add at least one prize."), code="no_prizes")
        total = self.total_ppm()
        if total != PROBABILITY_SCALE:
            raise ValidationError(
                _("The chances total %(total)s%%, not 100%%. Change them so that they add up to exactly 100%%.")
                % {"total": percent(total)},
                code="lottery_probabilities_not_100",
            )


VariantFormSet = forms.formset_factory(
    VariantForm,
    formset=BaseVariantFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_VARIANTS,
    validate_max=True,
    absolute_max=MAX_VARIANTS,
)


def variant_initial(variant: Any) -> dict[str, Any]:
    voucher = variant.voucher or {}
    return {
        "kind": variant.kind,
        "name": variant.name,
        "probability": percent(variant.probability_ppm),
        "daily_cap": variant.daily_cap,
        "total_cap": variant.total_cap,
        "greeting": variant.greeting,
        "voucher_title": voucher.get("title", ""),
        "voucher_days": (voucher.get("validity") or {}).get("days"),
        **benefit_initial(voucher.get("benefit")),
    }


# --- vouchers ------------------------------------------------------------------------------------------------------

MAX_UNTIL_DAYS = MAX_DAYS


class ValidityFields(forms.Form):
    """How long a voucher is valid: unlimited, N days, or to the end of a date (bounded to about ten years)."""

    validity = forms.ChoiceField(
        label=_("Valid"),
        choices=[("days", _("For a number of days")), ("until", _("Until a date")), ("none", _("Without end"))],
        initial="days",
        widget=forms.RadioSelect(attrs={"data-validity-choice": ""}),
    )
    days = forms.IntegerField(label=_("Days"), required=False, min_value=1, max_value=MAX_DAYS, initial=30)
    until = forms.DateField(
        label=_("Last valid day"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("validity")
        if choice == "days" and not data.get("days"):
            self.add_error("days", _("Say for how many days the voucher is valid."))
        if choice == "until":
            until = data.get("until")
            today = clock.now().astimezone(self.tz).date()
            if until is None:
                self.add_error("until", _("Pick the last day the voucher is valid."))
            elif until < today:
                self.add_error("until", _("This day is in the past: pick today or a later day."))
            elif until > today + timedelta(days=MAX_UNTIL_DAYS):
                self.add_error("until", _("Pick a day within ten years."))
        return data

    def __init__(self, *args: Any, tz: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["until"].widget.attrs["min"] = clock.now().astimezone(tz).date().isoformat()

    def validity_value(self) -> Validity | None:
        data = self.cleaned_data
        if data["validity"] == "days":
            return Validity(days=data["days"])
        if data["validity"] == "until":
            until: date = data["until"]
            return Validity(until=until)
        return None


class VoucherTermsForm(BenefitFields, ValidityFields):
    title = forms.CharField(
        label=_("Title"),
        max_length=100,
        help_text=_("What the customer and the cashier read, e.g. “Free cappuccino”; a discount is set just below."),
    )
    description = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what it applies to, e.g. “any drink up to 400 ml”."),
    )

    field_order = [
        "title",
        "description",
        "benefit_kind",
        "benefit_percent",
        "benefit_amount",
        "validity",
        "days",
        "until",
    ]


class VoucherIssueForm(VoucherTermsForm):
    card = forms.CharField(
        label=_("Customer"),
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={"required": _("Find the customer and pick their card.")},
    )


class BatchForm(VoucherTermsForm):
    name = forms.CharField(label=_("Batch name"), max_length=100, help_text=_("For you: e.g. “Flyers, spring fair”."))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=BatchPurpose.choices, initial=BatchPurpose.FLYERS)
    count = forms.IntegerField(
        label=_("How many vouchers"),
        min_value=1,
        max_value=MAX_BATCH,
        initial=16,
        help_text=_("Eight fit on one A4 sheet."),
    )

    field_order = ["name", "purpose", "count", *VoucherTermsForm.field_order]


# --- the counter ---------------------------------------------------------------------------------------------------


def location_choices(locations: list[Any]) -> list[tuple[str, str]]:
    return [(str(location.pk), location.name) for location in locations]


class RedeemForm(forms.Form):
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("As printed or shown on the customer's phone; dashes and spaces do not matter."),
    )
    location = forms.ChoiceField(label=_("Location"), required=False)

    def __init__(self, *args: Any, locations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = location_choices(locations)  # type: ignore[attr-defined]
        if len(locations) > 1:
            self.fields["location"].required = True
        else:
            self.fields["location"].widget = forms.HiddenInput()


class StampForm(forms.Form):
    card = forms.CharField(widget=forms.HiddenInput, max_length=64)
    scan_id = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("Check amount"),
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        decimal_places=2,
        max_digits=9,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    location = forms.ChoiceField(label=_("Location"), required=False)

    def __init__(self, *args: Any, locations: list[Any], currency: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = location_choices(locations)  # type: ignore[attr-defined]
        if len(locations) > 1:
            self.fields["location"].required = True
        else:
            self.fields["location"].widget = forms.HiddenInput()
        if currency:
            self.fields["amount"].help_text = _("In %(currency)s, as on the check, e.g. 125.50.") % {
                "currency": currency
            }

    def total_minor(self) -> int:
        """The amount in minor units (cents, kopiykas): the currencies stampcard serves have two decimals."""
        return int(self.cleaned_data["amount"] * 100)
