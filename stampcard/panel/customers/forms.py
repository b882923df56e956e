"""The customer pages' forms: the list's filters and the stamp adjustment."""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stampcard.cards.directory import DirectoryFilters
from stampcard.cards.models import Program
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.models import Location, Merchant


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email, phone or card number")}),
    )
    program = forms.ModelChoiceField(
        label=_("Card"), queryset=Program.objects.none(), required=False, empty_label=_("All cards")
    )
    location = forms.ModelChoiceField(
        label=_("Visited location"), queryset=Location.objects.none(), required=False, empty_label=_("Any location")
    )
    wallet = forms.ChoiceField(
        label=_("Wallet"),
        required=False,
        choices=[
            ("", _("Any")),
            ("apple", _("Apple Wallet")),
            ("google", _("Google Wallet")),
            ("none", _("No wallet")),
        ],
    )
    consent = forms.ChoiceField(
        label=_("Email consent"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Agreed to marketing email")), ("no", _("No marketing email"))],
    )

    def __init__(
        self, *args: Any, merchant: Merchant, within: frozenset[uuid.UUID] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Not ``program_list``: it counts every program's cards, which a filter does not need.
        self.fields["program"].queryset = Program.objects.filter(merchant=merchant).order_by(  # type: ignore[attr-defined]
            "-is_active", "name", "pk"
        )
        locations = merchants_selectors.locations_list(merchant=merchant, active_only=False)
        if within is not None:  # a location-limited staff member picks among their own
            locations = locations.filter(pk__in=within)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]

    def filters(self) -> DirectoryFilters:
        """The filters of a valid form; a form with errors filters by nothing but its search."""
        data = self.cleaned_data if self.is_valid() else {}
        program = data.get("program")
        location = data.get("location")
        return DirectoryFilters(
            q=data.get("q", ""),
            program_id=program.pk if program else None,
            location_id=location.pk if location else None,
            wallet=data.get("wallet", ""),
            consent=data.get("consent", ""),
        )


class AdjustmentForm(forms.Form):
    stamps = forms.IntegerField(
        label=_("Stamps"),
        min_value=-1000,
        max_value=1000,
        help_text=_("A positive number adds stamps, a negative one (such as -2) takes them away."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Kept in the card's history, e.g. “stamp forgotten on 3 May”."),
    )

    def clean_stamps(self) -> int:
        stamps: int = self.cleaned_data["stamps"]
        if stamps == 0:
            raise forms.ValidationError(_("Type how many stamps to add or take away (not 0)."))
        return stamps


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Saved from Excel, Google Sheets or another system as CSV (comma or semicolon), with a header row. "
            "At most %(mb)s MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    program = forms.ModelChoiceField(
        label=_("Card the stamps go to"), queryset=Program.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, merchant: Merchant, max_mb: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = str(self.fields["file"].help_text) % {"mb": max_mb}
        self.fields["program"].queryset = Program.objects.filter(merchant=merchant).order_by(  # type: ignore[attr-defined]
            "-is_default", "-is_active", "name", "pk"
        )


class ImportMappingForm(forms.Form):
    """One select per column of the file: which of our fields it fills (or none)."""

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        samples: list[list[str]],
        fields: list[tuple[str, Any]],
        mapping: dict[str, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        by_column = {index: name for name, index in mapping.items()}
        choices = [("", _("— skip this column —")), *fields]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=by_column.get(index, ""),
            )
            examples = [row[index] for row in samples if index < len(row) and row[index]]
            self.columns.append({"field": self[name], "examples": examples[:3]})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, str] = {}
        for name, value in list(data.items()):
            if not value:
                continue
            if value in seen:
                self.add_error(
                    name,
                    _("“%(field)s” is already chosen for the column “%(other)s”; choose it for one column only.")
                    % {"field": dict(self.fields[name].choices)[value], "other": self.fields[seen[value]].label},  # type: ignore[attr-defined]
                )
            else:
                seen[value] = name
        if "name" not in seen and not self.errors:
            raise forms.ValidationError(_("Choose the column that holds the customer’s name."))
        return data

    def mapping(self) -> dict[str, int]:
        return {value: int(name.removeprefix("col_")) for name, value in self.cleaned_data.items() if value}
