"""Automations (per card program): what the business sends by itself — welcome, birthday, win-back, one stamp to go,
reward ready, voucher about to expire, stamp expiry — each switched on or off, with its days, texts and voucher.
Managers and the owner."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from stampcard.campaigns.automations import selectors, services
from stampcard.campaigns.automations.kinds import SPECS
from stampcard.campaigns.automations.models import Automation, AutomationKind
from stampcard.cards import selectors as cards_selectors
from stampcard.core.errors import ApplicationError
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.automations.forms import AutomationForm, form_initial
from stampcard.panel.refusals import refusal_to_form

ICONS = {
    AutomationKind.WELCOME: "user-plus",
    AutomationKind.BIRTHDAY: "gift",
    AutomationKind.WIN_BACK: "history",
    AutomationKind.ONE_TO_GO: "stamp",
    AutomationKind.REWARD_READY: "circle-check",
    AutomationKind.VOUCHER_EXPIRING: "ticket",
    AutomationKind.STAMP_EXPIRY: "clock",
}


def _row(automation: Automation) -> dict[str, Any]:
    spec = SPECS[automation.kind]
    return {
        "automation": automation,
        "label": AutomationKind(automation.kind).label,
        "description": spec.description,
        "icon": ICONS[AutomationKind(automation.kind)],
        "days_label": spec.days_label,
        "has_reminder": spec.has_reminder,
        "languages": sorted(automation.parts or {}),
        "fired": selectors.firings_count(automation=automation),
    }


@panel_view(Role.MANAGER)
def automations_page(request: HttpRequest) -> HttpResponse:
    """The default card's automations (the menu's entry); a business without a card is sent to make one."""
    panel = panel_of(request)
    program = cards_selectors.program_list(merchant=panel.merchant).filter(is_active=True).first()
    if program is None:
        return render(request, "panel/automations/list.html", {"program": None, "programs": [], "rows": []})
    return HttpResponseRedirect(reverse("panel:automations-program", args=[program.pk]))


@panel_view(Role.MANAGER)
def automations_program_page(request: HttpRequest, program_id: str) -> HttpResponse:
    panel = panel_of(request)
    program, automations = selectors.automations_of_program(merchant=panel.merchant, program_id=program_id)
    programs = list(cards_selectors.program_list(merchant=panel.merchant).filter(is_active=True))
    context = {
        "program": program,
        "programs": programs,
        "rows": [_row(automation) for automation in automations],
        "timezone": panel.merchant.timezone,
    }
    return render(request, "panel/automations/list.html", context)


def _kind(kind: str) -> str:
    if kind not in SPECS:
        raise Http404()
    return kind


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def automation_page(request: HttpRequest, program_id: str, kind: str) -> HttpResponse:
    panel = panel_of(request)
    program, automation = selectors.automation_get(merchant=panel.merchant, program_id=program_id, kind=_kind(kind))
    spec = SPECS[kind]
    form = AutomationForm(request.POST or None, initial=form_initial(automation), spec=spec)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            changes: dict[str, Any] = {
                "is_enabled": data["is_enabled"],
                "send_hour": data["send_hour"],
                "channels": data["channels"],
                "parts": form.parts(),
            }
            for name in ("days", "reminder_days"):
                if name in form.fields:
                    changes[name] = data[name]
            if "voucher_title" in form.fields:
                changes.update(
                    voucher_title=data["voucher_title"],
                    voucher_description=data["voucher_description"],
                    voucher_days=data["voucher_days"],
                )
            try:
                services.automation_update(
                    actor=panel.actor, program_id=program.pk, kind=kind, changes=services.AutomationChanges(**changes)
                )
            except ApplicationError as refused:
                refusal_to_form(form, refused, fields=form.refusal_fields())
            else:
                messages.success(request, _("“%(name)s” is saved.") % {"name": AutomationKind(kind).label})
                return HttpResponseRedirect(reverse("panel:automations-program", args=[program.pk]))
        status = 400
    context = {
        "program": program,
        "automation": automation,
        "label": AutomationKind(kind).label,
        "description": spec.description,
        "icon": ICONS[AutomationKind(kind)],
        "form": form,
        "timezone": panel.merchant.timezone,
    }
    return render(request, "panel/automations/edit.html", context, status=status)


@panel_view(Role.MANAGER, methods=("POST",))
def automation_switch(request: HttpRequest, program_id: str, kind: str) -> HttpResponse:
    """Switch on or off from the list; switching on one that has no text yet opens its form to write one."""
    panel = panel_of(request)
    program, automation = selectors.automation_get(merchant=panel.merchant, program_id=program_id, kind=_kind(kind))
    turn_on = request.POST.get("on") == "1"
    label = AutomationKind(kind).label
    try:
        services.automation_update(
            actor=panel.actor, program_id=program.pk, kind=kind, changes=services.AutomationChanges(is_enabled=turn_on)
        )
    except ApplicationError as refused:
        messages.error(
            request,
            _("“%(name)s” needs its text before it can be switched on: %(reason)s")
            % {
                "name": label,
                "reason": refused.message,
            },
        )
        return HttpResponseRedirect(reverse("panel:automation", args=[program.pk, kind]))
    if turn_on:
        messages.success(request, _("“%(name)s” is on.") % {"name": label})
    else:
        messages.success(request, _("“%(name)s” is off.") % {"name": label})
    return HttpResponseRedirect(reverse("panel:automations-program", args=[program.pk]))
