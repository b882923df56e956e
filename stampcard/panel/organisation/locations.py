"""Locations: address, coordinates (typed, pasted, or picked on the map), how wallet passes show the place, opening
hours, active or not. A change of what passes show has every pass of the merchant rebuilt (in the worker)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.merchants import locations as merchants_locations
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.locations import DayHours
from stampcard.merchants.models import RELEVANT_TEXT_MAX, Location, OpeningHours, Role, Weekday
from stampcard.merchants.plans import limits_for
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.organisation.coordinates import coordinates_parse
from stampcard.panel.refusals import refusal_to_form
from stampcard.wallet import geo
from stampcard.wallet import tasks as wallet_tasks

SAVED_FIELDS = ("name", "address", "latitude", "longitude", "relevant_text", "show_on_passes")


class LocationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("As customers would write it, e.g. “Khreshchatyk St 22, Kyiv”."),
    )
    latitude = forms.DecimalField(
        label=gettext_lazy("Latitude"),
        required=False,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        max_digits=9,
        decimal_places=6,
        help_text=gettext_lazy("From -90 to 90, e.g. 50.450100. Or click the map."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    longitude = forms.DecimalField(
        label=gettext_lazy("Longitude"),
        required=False,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        max_digits=9,
        decimal_places=6,
        help_text=gettext_lazy("From -180 to 180, e.g. 30.523400."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    coordinates = forms.CharField(
        label=gettext_lazy("Or paste both at once"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy(
            "E.g. “50.4501, 30.5234”, or a Google Maps link to the place: fills in the latitude and longitude."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "50.4501, 30.5234"}),
    )
    show_on_passes = forms.BooleanField(
        label=gettext_lazy("Show on wallet passes"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "Customers’ cards come up on the phone’s lock screen near this place, and the back of the card lists it. "
            "Each card carries the 10 locations nearest to where it was last stamped."
        ),
    )
    relevant_text = forms.CharField(
        label=gettext_lazy("Lock screen text"),
        required=False,
        max_length=RELEVANT_TEXT_MAX,
        help_text=gettext_lazy(
            "Shown on an iPhone’s lock screen near this place, e.g. “Your next coffee is waiting — show your card”. "
            "Leave empty for “%(example)s”, in each customer’s language. Google Wallet shows its own text."
        ),
        widget=forms.TextInput(attrs={"maxlength": RELEVANT_TEXT_MAX}),
    )

    def __init__(self, *args: Any, hours: list[OpeningHours] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = {h.weekday: h for h in hours or ()}
        for day in Weekday:
            stated = known.get(day.value)
            prefix = f"day{day.value}"
            self.fields[f"{prefix}_closed"] = forms.BooleanField(
                label=_("Closed"), required=False, initial=bool(stated and stated.closed)
            )
            self.fields[f"{prefix}_opens"] = forms.TimeField(
                label=_("Opens"),
                required=False,
                initial=stated.opens if stated else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"{prefix}_closes"] = forms.TimeField(
                label=_("Closes"),
                required=False,
                initial=stated.closes if stated else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"{prefix}_overnight"] = forms.BooleanField(
                label=_("Closes after midnight"), required=False, initial=bool(stated and stated.overnight)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pasted = (data.get("coordinates") or "").strip()
        if pasted:
            try:
                data["latitude"], data["longitude"] = coordinates_parse(pasted)
            except ApplicationError as refused:
                self.add_error("coordinates", str(refused.message))
            else:
                # Shown again (another field refused, say): the numbers go where they belong, the paste is done.
                shown = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict: its copy is mutable
                shown["latitude"], shown["longitude"] = str(data["latitude"]), str(data["longitude"])
                shown["coordinates"] = ""
                self.data = shown
                self.errors.pop("latitude", None)
                self.errors.pop("longitude", None)
        return data

    def days(self) -> list[dict[str, Any]]:
        """The weekday rows for the template: the day's name and its four fields."""
        return [
            {
                "key": f"day{day.value}",
                "label": day.label,
                "closed": self[f"day{day.value}_closed"],
                "opens": self[f"day{day.value}_opens"],
                "closes": self[f"day{day.value}_closes"],
                "overnight": self[f"day{day.value}_overnight"],
                "errors": self.errors.get(f"day{day.value}_opens"),
            }
            for day in Weekday
        ]

    def hours(self) -> list[DayHours]:
        """The stated days: closed, or with times. A day left empty states nothing."""
        data = self.cleaned_data
        found: list[DayHours] = []
        for day in Weekday:
            p = f"day{day.value}"
            closed, opens, closes = data.get(f"{p}_closed"), data.get(f"{p}_opens"), data.get(f"{p}_closes")
            if closed:
                found.append(DayHours(weekday=day.value, closed=True))
            elif opens or closes or data.get(f"{p}_overnight"):
                found.append(
                    DayHours(
                        weekday=day.value,
                        closed=False,
                        opens=opens,
                        closes=closes,
                        overnight=bool(data.get(f"{p}_overnight")),
                    )
                )
        return found


FIELD_OF = {f"day{day.value}": f"day{day.value}_opens" for day in Weekday}


def _save_hours(request: HttpRequest, form: LocationForm, location: Location) -> bool:
    try:
        merchants_locations.opening_hours_set(actor=panel_of(request).actor, location=location, days=form.hours())
    except ApplicationError as refused:
        refusal_to_form(form, refused, fields=FIELD_OF)
        return False
    return True


@panel_view(Role.MANAGER)
def locations_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    locations = merchants_selectors.locations_list(merchant=panel.merchant).prefetch_related("opening_hours")
    limit = limits_for(panel.merchant.subscription).locations
    active = sum(1 for location in locations if location.is_active)
    return render(
        request,
        "panel/organisation/locations.html",
        {
            "locations": locations,
            "limit": limit,
            "active_count": active,
            "at_limit": limit is not None and active >= limit,
        },
    )


@panel_view(Role.OWNER, methods=("GET", "POST"))
def location_new_page(request: HttpRequest) -> HttpResponse:
    return _location_form_page(request, location=None)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def location_edit_page(request: HttpRequest, location_id: str) -> HttpResponse:
    location = merchants_selectors.location_get(merchant=panel_of(request).merchant, location_id=location_id)
    return _location_form_page(request, location=location)


def _location_form_page(request: HttpRequest, *, location: Location | None) -> HttpResponse:
    """Add a location (``location`` None) or change one: its fields and its opening hours in one transaction."""
    panel = panel_of(request)
    initial = {} if location is None else {name: getattr(location, name) for name in SAVED_FIELDS}
    hours = [] if location is None else list(location.opening_hours.all())
    form = LocationForm(request.POST or None, initial=initial, hours=hours)
    form.fields["relevant_text"].help_text = form.fields["relevant_text"].help_text % {
        "example": _("%(place)s is near: show your card") % {"place": location.name if location else _("Podil")}
    }
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in SAVED_FIELDS}
        before = None if location is None else geo.pass_fields(location)
        try:
            with transaction.atomic():
                if location is None:
                    saved = merchants_locations.location_add(actor=panel.actor, **fields)
                else:
                    saved = merchants_locations.location_update(actor=panel.actor, location=location, **fields)
                if not _save_hours(request, form, saved):
                    raise _HoursRefused()
                if before != geo.pass_fields(saved):
                    # In the same transaction: the refresh is queued if and only if the change commits.
                    wallet_tasks.merchant_passes_refresh(merchant_id=panel.merchant.pk)
        except _HoursRefused:
            pass
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            done = _("Location “%(name)s” added.") if location is None else _("Location “%(name)s” saved.")
            messages.success(request, done % {"name": saved.name})
            return HttpResponseRedirect(reverse("panel:locations"))
    return render(request, "panel/organisation/location_form.html", {"form": form, "location": location})


@panel_view(Role.OWNER, methods=("POST",))
def location_active_switch(request: HttpRequest, location_id: str) -> HttpResponse:
    panel = panel_of(request)
    location = merchants_selectors.location_get(merchant=panel.merchant, location_id=location_id)
    active = not location.is_active
    try:
        with transaction.atomic():
            merchants_locations.location_set_active(actor=panel.actor, location=location, active=active)
            # Passes list the active locations and come up near them.
            wallet_tasks.merchant_passes_refresh(merchant_id=panel.merchant.pk)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        message = _("“%(name)s” is active again.") if active else _("“%(name)s” is deactivated.")
        messages.success(request, message % {"name": location.name})
    return HttpResponseRedirect(reverse("panel:locations"))


class _HoursRefused(Exception):
    """Rolls back a location saved in the same form as hours that were refused."""
