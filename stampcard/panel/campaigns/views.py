"""Campaigns in the panel (owners and managers): the list, writing one with the audience builder and its live size,
and one campaign's page with its progress (polled while it sends) and results."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stampcard.campaigns.audiences import query, rules
from stampcard.campaigns.campaigns import presenters, results, selectors, services
from stampcard.campaigns.campaigns.models import Campaign, CampaignState
from stampcard.core.errors import ApplicationError
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_view
from stampcard.panel.campaigns import forms
from stampcard.panel.refusals import refusal_to_form

EDITABLE = (CampaignState.DRAFT, CampaignState.SCHEDULED)
LIVE = (CampaignState.PREPARING, CampaignState.SENDING)


def _row(campaign: Campaign) -> dict[str, Any]:
    state = presenters.shown_state(campaign)
    return {"campaign": campaign, "state": state, "state_label": presenters.STATE_LABELS[state]}


@panel_view(Role.MANAGER)
def campaigns_page(request: HttpRequest) -> HttpResponse:
    merchant = request.panel.merchant  # type: ignore[attr-defined]
    rows = [_row(c) for c in selectors.campaigns_list(merchant=merchant)]
    return render(request, "panel/campaigns/list.html", {"rows": rows})


def _audience_size(merchant: Any, audience: dict[str, Any]) -> int | None:
    try:
        rule = rules.rule_clean(audience, languages=services.languages())
    except ApplicationError:
        return None
    return query.audience_count(merchant=merchant, rule=rule)


def _form_page(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    stored = campaign.audience if campaign else None
    simplified = stored is not None and not forms.builder_shows(stored)
    if request.method == "POST":
        form = forms.CampaignForm(request.POST, initial=forms.campaign_initial(campaign) if campaign else None)
        conditions = forms.conditions_for(panel.merchant, data=request.POST, audience=stored)
        conditions_ok = conditions.is_valid()
        if form.is_valid() and conditions_ok:
            audience = forms.audience_from(form.cleaned_data["match"], conditions, form.cleaned_data["inner_match"])
            untouched = not conditions.has_changed() and not {"match", "inner_match"} & set(form.changed_data)
            if campaign is not None and simplified and untouched:
                audience = campaign.audience  # the rows were left as shown: keep the finer rule they sketch
            try:
                if campaign is None:
                    campaign = services.campaign_create(actor=panel.actor, data=form.campaign_input(audience))
                else:
                    campaign = services.campaign_update(
                        actor=panel.actor, campaign_id=campaign.pk, data=form.campaign_input(audience)
                    )
            except ApplicationError as error:
                refusal_to_form(form, error, fields=_service_fields(error))
            else:
                messages.success(request, _("The campaign “%(name)s” is saved.") % {"name": campaign.name})
                return HttpResponseRedirect(reverse("panel:campaign", args=[campaign.pk]))
        size = _audience_size(panel.merchant, _posted_audience(request, conditions))
    else:
        initial = forms.campaign_initial(campaign) if campaign else {}
        form = forms.CampaignForm(initial=initial)
        conditions = forms.conditions_for(panel.merchant, audience=campaign.audience if campaign else None)
        size = _audience_size(panel.merchant, campaign.audience if campaign else rules.EMPTY)
    context = {
        "form": form,
        "conditions": conditions,
        "campaign": campaign,
        "size": size,
        "params": forms.PARAMS,
        "audience_simplified": simplified,
        "condition_rows": forms.CONDITION_ROWS,
    }
    return render(request, "panel/campaigns/form.html", context)


def _posted_audience(request: HttpRequest, conditions: forms.BaseConditions) -> dict[str, Any]:
    return forms.audience_from(request.POST.get("match", "all"), conditions, request.POST.get("inner_match", "any"))


def _service_fields(error: ApplicationError) -> dict[str, str]:
    """The service's field names (``parts.uk.subject``) as the form's (``subject_uk``)."""
    mapped = {}
    for named in error.details.get("fields") or ():
        field = named["field"]
        if field.startswith("parts."):
            _parts, language, *rest = field.split(".")
            mapped[field] = f"{rest[0] if rest else 'text'}_{language}"
        elif field.startswith("audience"):
            mapped[field] = "match"
    return mapped


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def campaign_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def campaign_edit(request: HttpRequest, campaign_id: Any) -> HttpResponse:
    campaign = selectors.campaign_get(merchant=request.panel.merchant, campaign_id=campaign_id)  # type: ignore[attr-defined]
    if campaign.state not in EDITABLE:
        messages.error(request, _("This campaign has started: it can no longer be changed."))
        return HttpResponseRedirect(reverse("panel:campaign", args=[campaign.pk]))
    return _form_page(request, campaign)


@panel_view(Role.MANAGER, methods=("POST",))
def campaign_audience_size(request: HttpRequest) -> HttpResponse:
    """The builder's live count (htmx): how many cards the conditions on the form select now."""
    merchant = request.panel.merchant  # type: ignore[attr-defined]
    conditions = forms.conditions_for(merchant, data=request.POST)
    conditions.is_valid()
    size = _audience_size(merchant, _posted_audience(request, conditions))
    return render(request, "panel/campaigns/_size.html", {"size": size})


def _detail_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    state = presenters.shown_state(campaign)
    return {
        "campaign": campaign,
        "state": state,
        "state_label": presenters.STATE_LABELS[state],
        "live": campaign.state in LIVE and state != presenters.SENT,
        "editable": campaign.state in EDITABLE,
        "cancellable": campaign.state in (*EDITABLE, *LIVE) and state != presenters.SENT,
        "results": results.campaign_results(campaign=campaign),
        "size": _audience_size(campaign.merchant, campaign.audience) if campaign.state in EDITABLE else None,
    }


@panel_view(Role.MANAGER)
def campaign_page(request: HttpRequest, campaign_id: Any) -> HttpResponse:
    campaign = selectors.campaign_get(merchant=request.panel.merchant, campaign_id=campaign_id)  # type: ignore[attr-defined]
    context = _detail_context(request, campaign)
    context["schedule_form"] = forms.ScheduleForm()
    context["test_form"] = forms.TestSendForm(initial={"language": request.LANGUAGE_CODE})
    return render(request, "panel/campaigns/detail.html", context)


@panel_view(Role.MANAGER)
def campaign_progress(request: HttpRequest, campaign_id: Any) -> HttpResponse:
    """The progress and results block alone, which the page polls while the campaign is being sent."""
    campaign = selectors.campaign_get(merchant=request.panel.merchant, campaign_id=campaign_id)  # type: ignore[attr-defined]
    return render(request, "panel/campaigns/_progress.html", _detail_context(request, campaign))


def _back(campaign_id: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("panel:campaign", args=[campaign_id]))


@panel_view(Role.MANAGER, methods=("POST",))
def campaign_send(request: HttpRequest, campaign_id: Any) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    selectors.campaign_get(merchant=panel.merchant, campaign_id=campaign_id)  # another merchant's: 404
    form = forms.ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date and time as shown, or leave it empty to send now."))
        return _back(campaign_id)
    at = form.cleaned_data.get("at")
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at, panel.merchant.tz)
    try:
        campaign = services.campaign_send(actor=panel.actor, campaign_id=campaign_id, at=at)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return _back(campaign_id)
    if campaign.state == CampaignState.SCHEDULED:
        when = timezone.localtime(campaign.scheduled_at, panel.merchant.tz)
        messages.success(request, _("Scheduled for %(when)s.") % {"when": when.strftime("%Y-%m-%d %H:%M")})
    else:
        messages.success(request, _("Sending has started."))
    return _back(campaign_id)


@panel_view(Role.MANAGER, methods=("POST",))
def campaign_cancel(request: HttpRequest, campaign_id: Any) -> HttpResponse:
    selectors.campaign_get(merchant=request.panel.merchant, campaign_id=campaign_id)  # type: ignore[attr-defined]
    try:
        services.campaign_cancel(actor=request.panel.actor, campaign_id=campaign_id)  # type: ignore[attr-defined]
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The campaign is cancelled: nothing more is sent."))
    return _back(campaign_id)


@panel_view(Role.MANAGER, methods=("POST",))
def campaign_test_send(request: HttpRequest, campaign_id: Any) -> HttpResponse:
    selectors.campaign_get(merchant=request.panel.merchant, campaign_id=campaign_id)  # type: ignore[attr-defined]
    form = forms.TestSendForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() else ""
    try:
        address = services.campaign_test_send(
            actor=request.panel.actor,  # type: ignore[attr-defined]
            campaign_id=campaign_id,
            language=language,
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("A test email is on its way to %(address)s.") % {"address": address})
    return _back(campaign_id)
