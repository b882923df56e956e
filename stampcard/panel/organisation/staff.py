"""Staff: who works here (role, locations), invitations by email, changes of role, deactivation. Owners only."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants import staffing
from stampcard.merchants.models import Location, Merchant, Role
from stampcard.merchants.plans import limits_for
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.refusals import refusal_to_form

ROLE_HELP = gettext_lazy(
    "Owner: everything, plan and staff included. Manager: card design, rewards, locations, own API keys. "
    "Cashier: the counter only."
)


class _LocationsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class StaffForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Role.choices, initial=Role.CASHIER, help_text=ROLE_HELP
    )
    locations = _LocationsField(
        label=gettext_lazy("Locations"),
        queryset=Location.objects.none(),
        required=False,
        help_text=gettext_lazy("Tick none for every location."),
    )

    def __init__(self, *args: Any, merchant: Merchant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["locations"].queryset = merchants_selectors.locations_list(  # type: ignore[attr-defined]
            merchant=merchant, active_only=True
        )


class InviteForm(StaffForm):
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        help_text=gettext_lazy("The invitation link goes to this address and works for 7 days."),
    )
    field_order = ["email", "role", "locations"]


@panel_view(Role.OWNER)
def staff_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    merchant = panel.merchant
    seats = limits_for(merchant.subscription).seats
    used = staffing.seats_used(merchant=merchant)
    return render(
        request,
        "panel/organisation/staff.html",
        {
            "memberships": merchants_selectors.memberships_list(merchant=merchant),
            "invitations": staffing.invitations_pending(merchant=merchant),
            "seats": seats,
            "seats_used": used,
            "at_limit": seats is not None and used >= seats,
        },
    )


@panel_view(Role.OWNER, methods=("GET", "POST"))
def staff_invite_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    form = InviteForm(request.POST or None, merchant=panel.merchant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _raw = staffing.invitation_create(
                actor=panel.actor, email=data["email"], role=Role(data["role"]), locations=list(data["locations"])
            )
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return HttpResponseRedirect(reverse("panel:staff"))
    return render(request, "panel/organisation/staff_invite.html", {"form": form})


@panel_view(Role.OWNER, methods=("GET", "POST"))
def staff_edit_page(request: HttpRequest, membership_id: str) -> HttpResponse:
    panel = panel_of(request)
    membership = merchants_selectors.membership_get(merchant=panel.merchant, membership_id=membership_id)
    initial = {"role": membership.role, "locations": list(membership.locations.all())}
    form = StaffForm(request.POST or None, initial=initial, merchant=panel.merchant)
    if request.method == "POST" and form.is_valid():
        try:
            staffing.membership_update(
                actor=panel.actor,
                membership=membership,
                role=Role(form.cleaned_data["role"]),
                locations=list(form.cleaned_data["locations"]),
            )
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("panel:staff"))
    return render(request, "panel/organisation/staff_edit.html", {"form": form, "membership": membership})


@panel_view(Role.OWNER, methods=("POST",))
def staff_deactivate(request: HttpRequest, membership_id: str) -> HttpResponse:
    panel = panel_of(request)
    membership = merchants_selectors.membership_get(merchant=panel.merchant, membership_id=membership_id)
    try:
        staffing.membership_deactivate(actor=panel.actor, membership=membership)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request,
            _("%(who)s is off the staff: their keys and devices stop working.") % {"who": membership.user.email},
        )
    return HttpResponseRedirect(reverse("panel:staff"))


@panel_view(Role.OWNER, methods=("POST",))
def staff_invitation_cancel(request: HttpRequest, invitation_id: str) -> HttpResponse:
    panel = panel_of(request)
    invitation = staffing.invitation_get_for_merchant(merchant=panel.merchant, invitation_id=invitation_id)
    staffing.invitation_cancel(actor=panel.actor, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return HttpResponseRedirect(reverse("panel:staff"))
