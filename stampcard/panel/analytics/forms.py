"""The analytics filter form (GET: a chosen period has its own address) and the ROI form."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stampcard.analytics.periods import Period, PeriodKind, period_resolve
from stampcard.core.errors import ValidationFailed
from stampcard.merchants.models import Location, Membership

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AnalyticsFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices, initial=PeriodKind.WEEK, required=False)
    day_from = forms.DateField(
        label=_("Day"), required=False, widget=_DATE, help_text=_("A day in the period; the first day of your own.")
    )
    day_to = forms.DateField(label=_("Last day"), required=False, widget=_DATE, help_text=_("For your own period."))
    location = forms.ChoiceField(label=_("Location"), required=False)
    staff = forms.ChoiceField(label=_("Staff"), required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        locations: list[Location],
        memberships: list[Membership],
        every_location: bool,
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.today = today
        first = [("", _("All locations") if every_location else _("All my locations"))]
        location_field: forms.ChoiceField = self.fields["location"]  # type: ignore[assignment]
        staff_field: forms.ChoiceField = self.fields["staff"]  # type: ignore[assignment]
        location_field.choices = first + [(str(location.pk), location.name) for location in locations]
        staff_field.choices = [("", _("All staff"))] + [
            (str(m.user_id), m.user.full_name or m.user.email) for m in memberships
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["resolved"] = period_resolve(
                kind=data.get("period") or PeriodKind.WEEK,
                today=self.today,
                day_from=data.get("day_from"),
                day_to=data.get("day_to"),
            )
        except ValidationFailed as problem:
            self.add_error("day_to" if data.get("period") == PeriodKind.CUSTOM else None, str(problem.message))
        return data

    def resolved(self) -> Period:
        period: Period = self.cleaned_data["resolved"]
        return period

    def location_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.cleaned_data["location"]) if self.cleaned_data.get("location") else None

    def staff_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.cleaned_data["staff"]) if self.cleaned_data.get("staff") else None


class RoiForm(forms.Form):
    average_check = forms.DecimalField(
        label=_("Average check"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=_("What a customer spends on a visit, on average."),
    )
    reward_cost = forms.DecimalField(
        label=_("Cost of one reward"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        help_text=_("What a reward or a redeemed voucher costs you: the goods, not the menu price."),
    )

    def minor(self, name: str) -> int:
        return int(self.cleaned_data[name] * 100)
