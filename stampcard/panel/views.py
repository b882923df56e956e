"""The panel's frame: the way in (``/``), the dashboard (with dismissing its limit alerts), picking a business, the
staff member's language."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from stampcard.api import alerts as api_alerts
from stampcard.merchants.models import Role, StaffUser
from stampcard.panel import dashboard, setup
from stampcard.panel.access import (
    choose_merchant,
    login_redirect,
    memberships_of,
    panel_of,
    panel_public,
    panel_view,
)


@panel_public
def home(request: HttpRequest) -> HttpResponse:
    """``/``: the panel for a signed-in staff member, sign-in for everyone else."""
    if isinstance(request.user, StaffUser) and request.user.is_authenticated:
        return HttpResponseRedirect(reverse("panel:dashboard"))
    return HttpResponseRedirect(reverse("panel:login"))


@panel_view(Role.CASHIER)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    panel = request.panel  # type: ignore[attr-defined]
    merchant = panel.merchant
    checklist = setup.setup_checklist(merchant=merchant)
    done = sum(item.done for item in checklist)
    context: dict[str, object] = {
        "checklist": checklist,
        "checklist_done_count": done,
        "checklist_done": done == len(checklist),
    }
    if panel.can(Role.MANAGER):
        context["today"] = dashboard.today_figures(merchant=merchant)
        context["events"] = dashboard.recent_events(merchant=merchant)
        context["usage"] = dashboard.usage_bar(merchant=merchant)
        context["alerts"] = dashboard.open_alerts(merchant=merchant)
        context["abuse_alerts"] = dashboard.open_abuse_alerts(actor=panel.actor)
    return render(request, "panel/dashboard.html", context)


@panel_view(Role.MANAGER, methods=("POST",))
def alert_dismiss(request: HttpRequest, alert_id: uuid.UUID) -> HttpResponse:
    api_alerts.limit_alert_dismiss(actor=panel_of(request).actor, alert_id=alert_id)
    messages.success(request, _("The alert is dismissed. It comes back if the lookups go on being refused."))
    return HttpResponseRedirect(reverse("panel:dashboard"))


@panel_view(Role.MANAGER, methods=("POST",))
def alerts_dismiss_all(request: HttpRequest) -> HttpResponse:
    dismissed = api_alerts.limit_alerts_dismiss_all(actor=panel_of(request).actor)
    messages.success(
        request,
        ngettext("%(count)d alert is dismissed.", "%(count)d alerts are dismissed.", dismissed) % {"count": dismissed},
    )
    return HttpResponseRedirect(reverse("panel:dashboard"))


@panel_public
def choose_page(request: HttpRequest) -> HttpResponse:
    """A staff member of several businesses picks the one to act for."""
    if not (isinstance(request.user, StaffUser) and request.user.is_authenticated):
        return login_redirect(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        if choose_merchant(request, merchant_id=request.POST.get("merchant", "")):
            return HttpResponseRedirect(next_url)
        messages.error(request, _("Pick one of the businesses listed."))
    return render(request, "panel/choose.html", {"memberships": memberships_of(request.user), "next": next_url})


@panel_public
@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the panel's language; a signed-in staff member keeps the choice on their login, on every device."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, request.POST.get("next")))
    if not translation.check_for_language(language) or language not in dict(settings.LANGUAGES):
        return response
    if isinstance(request.user, StaffUser) and request.user.is_authenticated:
        StaffUser.objects.filter(pk=request.user.pk).update(language=language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("panel:dashboard")
