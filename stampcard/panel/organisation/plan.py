"""Plan & usage: the plan, this month's card operations against the limit, seats and locations used, plan changes
with their dates, and the rule for the current month. Payment collection is not set up: the page says so."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.merchants import billing, metering, staffing
from stampcard.merchants import selectors as merchants_selectors
from stampcard.merchants.models import BillingInterval, Plan, PlanChange, Role
from stampcard.merchants.plans import (
    FREE_LOCATIONS,
    FREE_MONTHLY_OPERATIONS,
    FREE_SEATS,
    limits_for,
    price_per_location,
)
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.refusals import refusal_to_form

PAID_ONLY = {"interval": "", "locations": None}  # the fields that only the paid plan reads, with their "nothing"


class PlanForm(forms.Form):
    plan = forms.ChoiceField(label=gettext_lazy("Plan"), choices=Plan.choices, widget=forms.RadioSelect)
    interval = forms.ChoiceField(
        label=gettext_lazy("Billing"), choices=BillingInterval.choices, required=False, widget=forms.RadioSelect
    )
    locations = forms.IntegerField(
        label=gettext_lazy("Locations covered"),
        min_value=1,
        max_value=500,
        required=False,
        help_text=gettext_lazy("The paid plan is priced per location."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("plan") == Plan.PAID:
            if not data.get("interval"):
                self.add_error("interval", _("Choose monthly or yearly billing."))
            if not data.get("locations"):
                self.add_error("locations", _("Say how many locations the paid plan covers (at least 1)."))
        elif data.get("plan"):
            # Billing and locations are the paid plan's: with the free one chosen, whatever they say is ignored
            # (the page hides them; without its script they are still sent).
            for name, nothing in PAID_ONLY.items():
                self.errors.pop(name, None)
                data[name] = nothing
        return data


@panel_view(Role.OWNER, methods=("GET", "POST"))
def plan_page(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    merchant = panel.merchant
    billing.plan_changes_apply_due(merchant=merchant)
    subscription = type(merchant.subscription).objects.get(merchant=merchant)
    merchant.subscription = subscription
    limits = limits_for(subscription)
    initial = {
        "plan": subscription.plan,
        "interval": subscription.interval or BillingInterval.MONTH,
        "locations": subscription.locations_paid
        or max(1, merchants_selectors.locations_list(merchant=merchant, active_only=True).count()),
    }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = billing.plan_change_request(
                actor=panel.actor,
                plan=Plan(data["plan"]),
                interval=data.get("interval") or "",
                locations=data.get("locations") or 0,
            )
        except ApplicationError as refused:
            refusal_to_form(form, refused)
        else:
            if change.applied_at:
                messages.success(request, _("Your plan is changed."))
            else:
                messages.success(
                    request,
                    _("Your plan changes on %(date)s, at the end of the paid period.")
                    % {"date": change.effective_at.date().isoformat()},
                )
            return HttpResponseRedirect(reverse("panel:plan"))
    usage = metering.usage_get(merchant=merchant)
    percent = min(100, usage.operations * 100 // usage.limit) if usage.limit else 0
    locations_used = merchants_selectors.locations_list(merchant=merchant, active_only=True).count()
    changes = PlanChange.objects.filter(merchant=merchant).select_related("requested_by")[:20]
    return render(
        request,
        "panel/organisation/plan.html",
        {
            "form": form,
            "subscription": subscription,
            "limits": limits,
            "usage": usage,
            "percent": percent,
            "level": "danger" if percent >= 100 else "warn" if percent >= 80 else "",
            "seats_used": staffing.seats_used(merchant=merchant),
            "locations_used": locations_used,
            "changes": changes,
            "scheduled": next((c for c in changes if not c.applied_at and not c.cancelled_at), None),
            "payments": billing.payments_available(),
            "price_month": price_per_location(BillingInterval.MONTH),
            "price_year": price_per_location(BillingInterval.YEAR),
            "free": {"operations": FREE_MONTHLY_OPERATIONS, "seats": FREE_SEATS, "locations": FREE_LOCATIONS},
        },
    )
