"""Forms of the customer pages. Validation that belongs to the domain (email, phone, birthday, consents) lives in
the services; the forms only parse, and the views put a service's error back on its field."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _


class JoinForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200, error_messages={"required": _("A name is required.")})
    email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone (optional)"), required=False, max_length=32)
    birthday = forms.DateField(label=_("Birthday (optional)"), required=False)
    marketing_email = forms.BooleanField(label=_("Send me news and offers by email"), required=False)
    terms = forms.BooleanField(
        label=_("I accept the terms of the loyalty program"),
        required=True,
        error_messages={"required": _("Accept the terms to get your card.")},
    )

    def clean_birthday(self) -> date | None:
        birthday: date | None = self.cleaned_data.get("birthday")
        if birthday is not None and birthday.year < 1900:
            raise forms.ValidationError(_("Check the year of your birthday."))
        return birthday


class RecoverForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"), max_length=254, error_messages={"required": _("Enter your email address.")}
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=12,
        error_messages={"required": _("Enter the 6-digit code from the email.")},
    )
