"""API keys (the key a cashier pastes into the Poster register app) and paired scanner devices."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Location, Membership, Role
from stampcard.panel.access import PanelContext, panel_of, panel_view
from stampcard.panel.refusals import refusal_to_form
from stampcard.scanner import selectors as scanner_selectors
from stampcard.scanner.services import devices as scanner_devices


class MembershipChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        who = f"{obj.user.full_name} · {obj.user.email}" if obj.user.full_name else obj.user.email
        return f"{who} · {obj.get_role_display()}"


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Where the key is used, e.g. “Poster, front till”."),
    )
    membership = MembershipChoice(
        label=gettext_lazy("Staff login"),
        queryset=Membership.objects.none(),
        empty_label=None,
        help_text=gettext_lazy("The key acts as this person: stamps and redemptions are recorded under their name."),
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=gettext_lazy("All locations"),
        help_text=gettext_lazy("A key for one location can only stamp there. “All” lets the till say where."),
    )

    def __init__(self, *args: object, panel: PanelContext, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        memberships = merchants_selectors.memberships_list(merchant=panel.merchant, active_only=True)
        if not panel.can(Role.OWNER):
            memberships = memberships.filter(pk=panel.membership.pk)
        self.fields["membership"].queryset = memberships  # type: ignore[attr-defined]
        self.fields["membership"].initial = panel.membership.pk
        self.fields["location"].queryset = merchants_selectors.locations_list(  # type: ignore[attr-defined]
            merchant=panel.merchant, active_only=True
        )


@panel_view(Role.MANAGER)
def keys_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    own_only = None if panel.can(Role.OWNER) else panel.membership
    return render(
        request,
        "panel/organisation/keys.html",
        {
            "keys": merchants_selectors.api_keys_list(merchant=panel.merchant, membership=own_only),
            "devices": scanner_selectors.devices_list(actor=panel.actor).filter(unpaired_at__isnull=True),
            "own_only": own_only is not None,
        },
    )


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def key_new_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    form = ApiKeyForm(request.POST or None, panel=panel)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = merchants_services.api_key_issue(
                actor=panel.actor,
                membership=form.cleaned_data["membership"],
                name=form.cleaned_data["name"],
                location=form.cleaned_data["location"],
            )
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            # Shown in this answer only: the secret is never stored in clear, not even in the session.
            response = render(request, "panel/organisation/key_created.html", {"key": key, "raw_key": raw})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "panel/organisation/key_new.html", {"form": form})


@panel_view(Role.MANAGER, methods=("POST",))
def key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    panel = panel_of(request)
    own_only = None if panel.can(Role.OWNER) else panel.membership
    key = merchants_selectors.api_key_get(merchant=panel.merchant, key_id=key_id, membership=own_only)
    try:
        merchants_services.api_key_revoke_by(actor=panel.actor, api_key=key)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request, _("The key “%(name)s” is revoked: requests with it are refused from now on.") % {"name": key.name}
        )
    return HttpResponseRedirect(reverse("panel:keys"))


@panel_view(Role.MANAGER, methods=("POST",))
def key_device_unpair(request: HttpRequest, device_id: str) -> HttpResponse:
    panel = panel_of(request)
    device = scanner_selectors.device_get(actor=panel.actor, device_id=device_id)
    scanner_devices.device_unpair_by_actor(actor=panel.actor, device_id=device.pk)
    messages.success(
        request, _("“%(name)s” is unpaired: it stops working at its next request.") % {"name": device.name}
    )
    return HttpResponseRedirect(reverse("panel:keys"))
