"""Delivery inserts in the panel (under QR & print): the batches with their claims, a new batch made through
``inserts.services.insert_batch_create``, a batch's claims and its print-ready PDF."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stampcard.api.documents import pdf_attachment
from stampcard.cards.models import Program
from stampcard.core.errors import ApplicationError
from stampcard.inserts import pdf, selectors, services
from stampcard.inserts.benefits import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    benefit_call,
    benefit_clean,
    benefit_words,
    validity_words,
)
from stampcard.inserts.models import MAX_INSERTS, MAX_STAMPS, Aggregator, BenefitKind, InsertBatch, InsertClaim
from stampcard.merchants.models import Location, Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.refusals import refusal_to_form
from stampcard.panel.rewards.forms import ValidityFields
from stampcard.vouchers.codes import format_code

BATCHES_SHOWN = 100
CLAIMS_SHOWN = 200

# Where a refusal of ``insert_batch_create`` or ``benefit_clean`` goes on the form: the field it names ...
SERVICE_FIELDS = {
    "benefit.kind": "benefit_kind",
    "benefit.stamps": "stamps",
    "benefit.title": "title",
    "benefit.description": "description",
    "benefit.validity": "validity",
}
# ... or, for refusals that name no field, the field its code is about, with words that say what to do.
CODE_FIELDS = {
    "program_not_found": ("program", gettext_lazy("This card program is not running any more: pick another.")),
    "location_not_found": ("location", gettext_lazy("This location is gone: pick another.")),
    "location_forbidden": ("location", gettext_lazy("You do not work at this location: pick one of yours.")),
    "location_inactive": ("location", gettext_lazy("This location is switched off: pick an active one.")),
}
# Fields that do not apply to a kind of benefit: whatever they hold then is ignored, errors included.
UNUSED_FIELDS = {
    BenefitKind.STAMP: ("title", "description", "validity", "days", "until"),
    BenefitKind.VOUCHER: ("stamps",),
    BenefitKind.GIFT: ("stamps", "validity", "days", "until"),
}


class InsertBatchForm(ValidityFields):
    """A batch as a manager describes it. The benefit is three kinds in one form: stamps, or a voucher or a gift
    with a title (and, for a voucher, its validity); the fields of the other kinds are ignored."""

    name = forms.CharField(
        label=gettext_lazy("Batch name"),
        max_length=services.MAX_NAME,
        help_text=gettext_lazy("For you: e.g. “Glovo — December”."),
    )
    aggregator = forms.ChoiceField(
        label=gettext_lazy("Delivery service"), choices=Aggregator.choices, initial=Aggregator.GLOVO
    )
    aggregator_name = forms.CharField(
        label=gettext_lazy("Delivery service's name"),
        required=False,
        max_length=services.MAX_AGGREGATOR_NAME,
        help_text=gettext_lazy("Optional: printed on each insert instead, e.g. for “Other” or your own couriers."),
    )
    program = forms.ChoiceField(
        label=gettext_lazy("Card program"), help_text=gettext_lazy("The card a customer joins or collects into.")
    )
    location = forms.ChoiceField(
        label=gettext_lazy("Location"),
        required=False,
        help_text=gettext_lazy("The kitchen the orders leave from; the stamps count for it."),
    )
    count = forms.IntegerField(
        label=gettext_lazy("How many inserts"),
        min_value=1,
        max_value=MAX_INSERTS,
        initial=24,
        help_text=gettext_lazy("Twelve fit on one A4 sheet."),
    )
    benefit_kind = forms.ChoiceField(
        label=gettext_lazy("A scan gives"),
        choices=BenefitKind.choices,
        initial=BenefitKind.STAMP,
        widget=forms.RadioSelect(attrs={"data-insert-benefit-choice": ""}),
    )
    stamps = forms.IntegerField(
        label=gettext_lazy("Stamps per insert"),
        required=False,
        min_value=1,
        max_value=MAX_STAMPS,
        initial=1,
    )
    title = forms.CharField(
        label=gettext_lazy("What it gives"),
        required=False,
        max_length=MAX_TITLE,
        help_text=gettext_lazy("The voucher or gift, as the customer reads it: “Free cappuccino”, “A croissant”."),
    )
    description = forms.CharField(
        label=gettext_lazy("Conditions"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Optional: what it applies to, e.g. “with any order over 200 UAH”."),
    )

    field_order = [
        "name",
        "aggregator",
        "aggregator_name",
        "program",
        "location",
        "count",
        "benefit_kind",
        "stamps",
        "title",
        "description",
        "validity",
        "days",
        "until",
    ]

    def __init__(self, *args: Any, programs: list[Program], locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(str(p.pk), p.name) for p in programs]  # type: ignore[attr-defined]
        default = next((p for p in programs if p.is_default), programs[0] if programs else None)
        self.fields["program"].initial = str(default.pk) if default else None
        self.fields["location"].choices = [  # type: ignore[attr-defined]
            ("", _("No particular location")),
            *((str(location.pk), location.name) for location in locations),
        ]
        if len(locations) == 1:
            self.fields["location"].initial = str(locations[0].pk)
        # Said in the request's language, so set here rather than at import.
        out_of_range = _("A batch holds 1 to %(max)d inserts.") % {"max": MAX_INSERTS}
        self.fields["count"].error_messages.update(
            required=_("Say how many inserts to print."),
            invalid=_("Type a whole number of inserts, such as 24."),
            min_value=out_of_range,
            max_value=out_of_range,
        )
        stamps_range = _("An insert gives 1 to %(max)d stamps.") % {"max": MAX_STAMPS}
        self.fields["stamps"].error_messages.update(
            invalid=_("Type a whole number of stamps, such as 1."), min_value=stamps_range, max_value=stamps_range
        )

    def clean(self) -> dict[str, Any]:
        kind = self.cleaned_data.get("benefit_kind")
        if kind not in BenefitKind.values:
            return self.cleaned_data
        for name in UNUSED_FIELDS[BenefitKind(kind)]:
            self.errors.pop(name, None)
            self.cleaned_data.pop(name, None)
        if kind == BenefitKind.STAMP:
            if self.cleaned_data.get("stamps") is None and "stamps" not in self.errors:
                self.add_error("stamps", _("Say how many stamps an insert gives, 1 to %(max)d.") % {"max": MAX_STAMPS})
            return self.cleaned_data
        if not self.cleaned_data.get("title") and "title" not in self.errors:
            self.add_error("title", _("Say what a scan gives, e.g. “Free cappuccino”."))
        if kind == BenefitKind.VOUCHER:
            return super().clean()  # the validity: days, a last day, or none
        return self.cleaned_data

    def benefit_terms(self) -> dict[str, Any]:
        """The benefit as ``benefits.benefit_clean`` takes it."""
        data = self.cleaned_data
        kind = data["benefit_kind"]
        if kind == BenefitKind.STAMP:
            return {"kind": kind, "stamps": data["stamps"]}
        validity = self.validity_value() if kind == BenefitKind.VOUCHER else None
        return {
            "kind": kind,
            "title": data["title"],
            "description": data.get("description", ""),
            "validity": validity.as_spec() if validity else None,
        }


@dataclass(frozen=True)
class ClaimRow:
    claim: InsertClaim
    got: str  # what the claim put into the card, in words


def claim_rows(batch: InsertBatch, claims: list[InsertClaim]) -> list[ClaimRow]:
    rows = []
    for claim in claims:
        if claim.voucher is not None:
            got = _("Voucher %(code)s") % {"code": format_code(claim.voucher.code)}
        elif claim.reward is not None:
            got = claim.reward.title
        elif claim.check_ref_id is not None:
            got = ngettext("%(count)d stamp", "%(count)d stamps", batch.stamps) % {"count": batch.stamps}
        else:
            got = ""
        rows.append(ClaimRow(claim=claim, got=got))
    return rows


def _programs(request: HttpRequest) -> list[Program]:
    # Tenant-scoped on purpose: only this merchant's running programs (the service takes no other).
    return list(
        Program.objects.filter(merchant=panel_of(request).merchant, is_active=True).order_by("-is_default", "name")
    )


@panel_view(Role.MANAGER)
def inserts_page(request: HttpRequest) -> HttpResponse:
    merchant = panel_of(request).merchant
    batches = selectors.insert_batches_list(merchant=merchant, limit=BATCHES_SHOWN)
    stats = selectors.insert_batches_attribution(batches=batches)
    rows = [{"batch": batch, "stats": stats[batch.pk], "gives": benefit_words(batch)} for batch in batches]
    return render(request, "panel/organisation/inserts.html", {"rows": rows, "more": len(batches) == BATCHES_SHOWN})


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def insert_batch_new(request: HttpRequest) -> HttpResponse:
    panel = panel_of(request)
    programs = _programs(request)
    form = InsertBatchForm(request.POST or None, tz=panel.merchant.tz, programs=programs, locations=panel.locations())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.insert_batch_create(
                actor=panel.actor,
                name=data["name"],
                count=data["count"],
                benefit=benefit_clean(merchant=panel.merchant, **form.benefit_terms()),
                aggregator=data["aggregator"],
                aggregator_name=data["aggregator_name"],
                program_id=data["program"],
                location_id=data["location"] or None,
            )
        except ApplicationError as error:
            if error.code in CODE_FIELDS:
                field, message = CODE_FIELDS[error.code]
                form.add_error(field, str(message))
            else:
                refusal_to_form(form, error, fields=SERVICE_FIELDS)
        else:
            messages.success(request, _("%(count)d inserts are ready to print.") % {"count": batch.count})
            return HttpResponseRedirect(reverse("panel:printout-insert-batch", kwargs={"insert_batch_id": batch.pk}))
    context = {"form": form, "has_programs": bool(programs)}
    return render(request, "panel/organisation/insert_form.html", context, status=422 if form.errors else 200)


@panel_view(Role.MANAGER)
def insert_batch_page(request: HttpRequest, insert_batch_id: str) -> HttpResponse:
    batch = selectors.insert_batch_get(merchant=panel_of(request).merchant, batch_id=insert_batch_id)
    context = {
        "batch": batch,
        "stats": selectors.insert_batch_attribution(batch=batch),
        "claims": claim_rows(batch, selectors.insert_claims_of_batch(batch=batch, limit=CLAIMS_SHOWN)),
        "claims_shown": CLAIMS_SHOWN,
        "gives": benefit_call(batch),
        "validity": validity_words(batch),
    }
    return render(request, "panel/organisation/insert_batch.html", context)


@panel_view(Role.MANAGER)
def insert_batch_pdf(request: HttpRequest, insert_batch_id: str) -> HttpResponse:
    """The batch's print-ready A4 sheets: twelve inserts a page, each with its own QR and serial number."""
    merchant = panel_of(request).merchant
    batch = selectors.insert_batch_get(merchant=merchant, batch_id=insert_batch_id)
    document = pdf.batch_sheet(merchant=merchant, batch=batch, inserts=selectors.inserts_of_batch(batch=batch))
    return pdf_attachment(document, filename=f"inserts-{batch.pk}.pdf")
