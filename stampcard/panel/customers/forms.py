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
