"""Webhooks (under Integrations): the endpoints a business registers, what each receives, its signing secret, and
its recent deliveries with every attempt, to replay one or send a test event. Managers and the owner."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.campaigns.webhooks import events, selectors, services
from stampcard.campaigns.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from stampcard.core.errors import ApplicationError
from stampcard.core.http import private
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.refusals import refusal_to_form

RECENT_DELIVERIES = 30


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Address (URL)"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/stampcard-hooks", "autocomplete": "off"}),
        help_text=gettext_lazy("Where stampcard sends the events: an https:// address of your system."),
    )
    description = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For you, e.g. “CRM sync”."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events to send"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(event.name, event.description) for event in events.CATALOGUE],
        error_messages={"required": gettext_lazy("Tick at least one event.")},
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active: send events to this address"), required=False, initial=True
    )


def _form_initial(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
    }


@panel_view(Role.MANAGER)
def webhooks_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    endpoints = list(selectors.endpoints_list(merchant=panel.merchant))
    last = {}
    for endpoint in endpoints:
        last[endpoint.pk] = (
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .order_by("-created_at")
            .only("state", "created_at")
            .first()
        )
    rows = [{"endpoint": endpoint, "last": last[endpoint.pk]} for endpoint in endpoints]
    return render(request, "panel/organisation/webhooks.html", {"rows": rows})


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def webhook_new_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    form = EndpointForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, _secret = services.endpoint_create(
                actor=panel.actor,
                url=form.cleaned_data["url"],
                events_chosen=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                is_active=form.cleaned_data["is_active"],
            )
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            messages.success(
                request, _("The endpoint is added. Copy its signing secret below into the receiving system.")
            )
            return HttpResponseRedirect(reverse("panel:integration-webhook", args=[endpoint.pk]))
    return render(request, "panel/organisation/webhook_form.html", {"form": form})


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def webhook_page(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    panel = panel_of(request)
    endpoint = selectors.endpoint_get(merchant=panel.merchant, endpoint_id=endpoint_id)
    form = EndpointForm(request.POST or None, initial=_form_initial(endpoint))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.endpoint_update(
                    actor=panel.actor,
                    endpoint_id=endpoint.pk,
                    url=form.cleaned_data["url"],
                    events_chosen=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    is_active=form.cleaned_data["is_active"],
                )
            except ApplicationError as refused:
                refusal_to_form(form, refused)
            else:
                messages.success(request, _("Endpoint saved."))
                return HttpResponseRedirect(reverse("panel:integration-webhook", args=[endpoint.pk]))
        status = 400
    deliveries = selectors.deliveries_of_endpoint(endpoint=endpoint, limit=RECENT_DELIVERIES)
    context = {
        "endpoint": endpoint,
        "form": form,
        "secret": endpoint.secret,
        "deliveries": deliveries,
        "deliveries_shown": RECENT_DELIVERIES,
        "states": DeliveryState,
    }
    # The page carries the signing secret: never cached.
    return private(render(request, "panel/organisation/webhook.html", context, status=status))


def _back(endpoint_id: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("panel:integration-webhook", args=[endpoint_id]))


@panel_view(Role.MANAGER, methods=("POST",))
def webhook_secret_roll(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    panel = panel_of(request)
    endpoint = selectors.endpoint_get(merchant=panel.merchant, endpoint_id=endpoint_id)
    services.endpoint_secret_roll(actor=panel.actor, endpoint_id=endpoint.pk)
    messages.success(request, _("A new signing secret is in use from the next delivery. Update the receiving side."))
    return _back(endpoint.pk)


@panel_view(Role.MANAGER, methods=("POST",))
def webhook_test_send(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    panel = panel_of(request)
    endpoint = selectors.endpoint_get(merchant=panel.merchant, endpoint_id=endpoint_id)
    try:
        services.endpoint_test_send(actor=panel.actor, endpoint_id=endpoint.pk)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("A test event is on its way. Its result appears below within a minute."))
    return _back(endpoint.pk)


@panel_view(Role.MANAGER, methods=("POST",))
def webhook_delete(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    panel = panel_of(request)
    endpoint = selectors.endpoint_get(merchant=panel.merchant, endpoint_id=endpoint_id)
    services.endpoint_delete(actor=panel.actor, endpoint_id=endpoint.pk)
    messages.success(request, _("The endpoint %(url)s is removed.") % {"url": endpoint.url})
    return HttpResponseRedirect(reverse("panel:integration-webhooks"))


@panel_view(Role.MANAGER, methods=("POST",))
def webhook_delivery_replay(request: HttpRequest, delivery_id: str) -> HttpResponse:
    panel = panel_of(request)
    delivery = selectors.delivery_get(merchant=panel.merchant, delivery_id=delivery_id)
    try:
        services.delivery_replay(actor=panel.actor, delivery_id=delivery.pk)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The delivery will be sent again within a minute, with the same delivery id."))
    return _back(delivery.endpoint_id)
