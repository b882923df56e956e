"""The form of one automation: on/off, its days, its hour, its channels, its text per language, its voucher."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from stampcard.campaigns.automations.kinds import REMINDER_MAX, SEND_HOUR_EARLIEST, SEND_HOUR_LATEST, KindSpec
from stampcard.campaigns.automations.models import Automation
from stampcard.campaigns.messages import limits
from stampcard.campaigns.messages.models import MessageChannel
from stampcard.core.validity import MAX_DAYS
from stampcard.customers.languages import language_name_inline


def _hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


class AutomationForm(forms.Form):
    is_enabled = forms.BooleanField(label=_("On: send it automatically"), required=False)
    send_hour = forms.TypedChoiceField(
        label=_("Send from"),
        coerce=int,
        choices=[(hour, _hour_label(hour)) for hour in range(SEND_HOUR_EARLIEST, SEND_HOUR_LATEST + 1)],
        help_text=_("Your business's local time. Messages that come due later wait for the next morning."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Send by"),
        widget=forms.CheckboxSelectMultiple,
        choices=MessageChannel.choices,
        error_messages={"required": _("Tick at least one way to send it.")},
    )
    voucher_title = forms.CharField(
        label=_("Voucher title"),
        max_length=100,
        required=False,
        help_text=_("What the customer gets, e.g. “Free dessert”. Leave it empty to send the message alone."),
    )
    voucher_description = forms.CharField(
        label=_("Voucher conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    voucher_days = forms.IntegerField(
        label=_("Voucher valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text=_("Leave it empty for a voucher without an end date."),
    )

    # Texts carry no maxlength: each channel's limit is checked by the service (``messages.limits``), which says how
    # long the text is and how long it may be, instead of the browser silently cutting it.

    def __init__(self, *args: Any, spec: KindSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.languages = list(settings.LANGUAGES)
        if spec.days_label is not None:
            self.fields["days"] = forms.IntegerField(
                label=str(spec.days_label),
                min_value=spec.days_min,
                max_value=spec.days_max,
                help_text=_("From %(min)d to %(max)d.") % {"min": spec.days_min, "max": spec.days_max},
            )
        if spec.has_reminder:
            self.fields["reminder_days"] = forms.IntegerField(
                label=_("Remind this many days before the stamps lapse"),
                min_value=0,
                max_value=REMINDER_MAX,
                help_text=_("0: no reminder."),
            )
            for voucher_field in ("voucher_title", "voucher_description", "voucher_days"):
                del self.fields[voucher_field]
        for code, _name in self.languages:
            name = language_name_inline(code)
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": name},
                required=False,
            )
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.fields[f"wallet_{code}"] = forms.CharField(
                label=_("Wallet message (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=ngettext_lazy(
                    "What the lock screen shows, at most %(limit)d character. Leave empty to use the text.",
                    "What the lock screen shows, at most %(limit)d characters. Leave empty to use the text.",
                    "limit",
                )
                % {"limit": limits.WALLET_TEXT_MAX},
            )

    def language_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (str(name), self[f"subject_{code}"], self[f"text_{code}"], self[f"wallet_{code}"])
            for code, name in self.languages
        ]

    def parts(self) -> dict[str, dict[str, str]]:
        return {
            code: {name: self.cleaned_data[f"{name}_{code}"] for name in ("subject", "text", "wallet")}
            for code, _name in self.languages
        }

    def refusal_fields(self) -> dict[str, str]:
        """The service's field names -> this form's (``parts.uk.subject`` -> ``subject_uk``)."""
        names = {"parts": f"text_{self.languages[0][0]}"}
        for code, _name in self.languages:
            names[f"parts.{code}.subject"] = f"subject_{code}"
            names[f"parts.{code}.text"] = f"text_{code}"
            names[f"parts.{code}.wallet"] = f"wallet_{code}"
            names[f"parts.{code}"] = f"text_{code}"
        return names


def form_initial(automation: Automation) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "is_enabled": automation.is_enabled,
        "send_hour": automation.send_hour,
        "channels": list(automation.channels) or ["email"],
        "days": automation.days,
        "reminder_days": automation.reminder_days,
        "voucher_title": automation.voucher_title,
        "voucher_description": automation.voucher_description,
        "voucher_days": automation.voucher_days,
    }
    for code, part in (automation.parts or {}).items():
        initial[f"subject_{code}"] = part.get("subject", "")
        initial[f"text_{code}"] = part.get("text", "")
        initial[f"wallet_{code}"] = part.get("wallet", "")
    return initial
