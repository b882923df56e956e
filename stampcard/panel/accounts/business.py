"""The business profile fields, shared by sign-up and the business settings page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stampcard.merchants.models import BusinessType
from stampcard.panel.accounts import regional


class BusinessFields(forms.Form):
    """Name, type, country, currency, time zone and language of a business. The choices are built per request, so
    country and currency names read in the viewer's language."""

    business_name = forms.CharField(
        label=_("Business name"),
        max_length=200,
        help_text=_("As your customers know it: it shows on their cards."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    business_type = forms.ChoiceField(
        label=_("Type of business"),
        choices=BusinessType.choices,
        help_text=_("Suggests a card to start from."),
    )
    country = forms.ChoiceField(label=_("Country"))
    currency = forms.ChoiceField(label=_("Currency"), help_text=_("The currency of your till's checks."))
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Days and months of your reports and plan start at midnight here."),
        widget=forms.Select(attrs={"data-time-zone": ""}),
    )
    language = forms.ChoiceField(label=_("Language"), help_text=_("For your customers' cards and emails."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = regional.country_choices()  # type: ignore[attr-defined]
        self.fields["currency"].choices = regional.currency_choices()  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = regional.time_zone_choices()  # type: ignore[attr-defined]
        self.fields["language"].choices = regional.language_choices()  # type: ignore[attr-defined]
