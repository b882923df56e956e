"""The journal's filter form (a GET form: a filtered page has its own address to share or bookmark)."""

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from stampcard.cards.journal import JournalFilters
from stampcard.cards.models import EventKind
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Location, Membership

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class JournalFilterForm(forms.Form):
    day_from = forms.DateField(label=_("First day"), required=False, widget=_DATE)
    day_to = forms.DateField(label=_("Last day"), required=False, widget=_DATE)
    location = forms.ChoiceField(label=_("Location"), required=False)
    staff = forms.ChoiceField(label=_("Staff"), required=False)
    kind = forms.ChoiceField(label=_("Event"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=100,
        help_text=_("Name, card number, email or phone."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(
        self, data: Any = None, *, locations: list[Location], memberships: list[Membership], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        every: list[tuple[str, Any]] = [("", _("All"))]
        choices: dict[str, list[tuple[str, Any]]] = {
            "location": [(str(location.pk), location.name) for location in locations],
            "staff": [(str(m.user_id), m.user.full_name or m.user.email) for m in memberships],
            "kind": list(EventKind.choices),
            "channel": list(Channel.choices),
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = every + options

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        day_from, day_to = data.get("day_from"), data.get("day_to")
        if day_from and day_to and day_from > day_to:
            self.add_error("day_to", _("The last day comes before the first; pick a later one."))
        customer = " ".join((data.get("customer") or "").split())
        if len(customer) == 1:
            self.add_error("customer", _("Type at least 2 characters."))
        return data

    def filters(self) -> JournalFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return JournalFilters(
            day_from=data.get("day_from"),
            day_to=data.get("day_to"),
            location_id=uuid.UUID(data["location"]) if data.get("location") else None,
            actor_id=uuid.UUID(data["staff"]) if data.get("staff") else None,
            kind=EventKind(data["kind"]) if data.get("kind") else None,
            channel=Channel(data["channel"]) if data.get("channel") else None,
            customer=" ".join((data.get("customer") or "").split()),
        )
