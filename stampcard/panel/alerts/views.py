"""Suspicious-activity alerts of the scanner's anti-abuse checks (``scanner.AbuseAlert``): the open ones to review,
the reviewed ones as history, and marking one reviewed (who and when are kept). A staff member limited to locations
sees only the alerts of those locations (``scanner.selectors.alerts_list``). Beside them, for staff who see the whole
merchant, what the referral programme could not settle by itself: invitations refused as abuse, and rewards the
plan's monthly cap held back."""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from stampcard.checkouts import referral_rewards
from stampcard.core.errors import ApplicationError
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.referrals import selectors as referrals_selectors
from stampcard.referrals import services as referrals_services
from stampcard.scanner import selectors as scanner_selectors
from stampcard.scanner import services as scanner_services
from stampcard.scanner.models import AbuseAlert
from stampcard.scanner.wording import alert_details_text

PAGE_SIZE = 50


@dataclass(frozen=True)
class AlertRow:
    alert: AbuseAlert
    details: str


@panel_view(Role.MANAGER)
def abuse_alerts_page(request: HttpRequest) -> HttpResponse:
    """``?state=reviewed`` lists the history; anything else the open alerts, and the referrals refused as abuse
    (for staff who see the whole merchant: a referral belongs to no location)."""
    panel = panel_of(request)
    actor = panel.actor
    state = "reviewed" if request.GET.get("state") == "reviewed" else "open"
    alerts = scanner_selectors.alerts_list(actor=actor, state=state)
    if state == "reviewed":
        alerts = alerts.order_by("-reviewed_at", "pk")
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "panel/alerts/list.html",
        {
            "state": state,
            "page": page,
            "rows": [AlertRow(alert=alert, details=alert_details_text(alert)) for alert in page.object_list],
            "open_count": scanner_selectors.alerts_open_count(actor=actor)
            if state == "reviewed"
            else page.paginator.count,
            "referral_flags": list(referrals_selectors.referral_flags_open(merchant=panel.merchant)[:PAGE_SIZE])
            if state == "open" and panel.location_ids is None
            else [],
            "referral_rewards_held": list(
                referrals_selectors.referral_rewards_held(merchant=panel.merchant)[:PAGE_SIZE]
            )
            if state == "open" and panel.location_ids is None
            else [],
        },
    )


@panel_view(Role.MANAGER, methods=("POST",))
def abuse_alert_review(request: HttpRequest, abuse_alert_id: uuid.UUID) -> HttpResponse:
    scanner_services.alert_review(actor=panel_of(request).actor, alert_id=abuse_alert_id)
    messages.success(request, _("The alert is marked reviewed."))
    return HttpResponseRedirect(reverse("panel:abuse-alerts"))


@panel_view(Role.MANAGER, methods=("POST",))
def referral_flag_review(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    panel = panel_of(request)
    if panel.location_ids is not None:
        raise Http404
    referrals_services.referral_flag_review(actor=panel.actor, referral_id=referral_id)
    messages.success(request, _("The refused invitation is marked reviewed."))
    return HttpResponseRedirect(reverse("panel:abuse-alerts"))


@panel_view(Role.MANAGER, methods=("POST",))
def referral_reward_give(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """Give a referral reward the plan's monthly cap held back; the cap's refusal, if it still holds, is shown."""
    panel = panel_of(request)
    if panel.location_ids is not None or not referrals_selectors.referral_exists(
        merchant=panel.merchant, referral_id=referral_id
    ):
        raise Http404
    try:
        referral_rewards.referral_reward_give(actor=panel.actor, referral_id=referral_id)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The referral reward is given."))
    return HttpResponseRedirect(reverse("panel:abuse-alerts"))
