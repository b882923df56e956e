"""Operator admin: make an insert batch (through the service), download its PDF, read its attribution.

Batches are not edited once made (their inserts may already be printed); claims are read-only records.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.core.errors import ApplicationError
from stampcard.inserts import pdf, selectors, services
from stampcard.inserts.benefits import Benefit, benefit_clean
from stampcard.inserts.models import InsertBatch, InsertClaim
from stampcard.merchants import errors as merchants_errors
from stampcard.merchants import services as merchants_services
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Merchant, StaffUser


def admin_actor(request: HttpRequest, merchant: Merchant) -> Actor:
    """The operator acting for a merchant: as their staff member when they are one, else as the platform."""
    try:
        return merchants_services.staff_actor(user=request.user, merchant_id=merchant.pk)
    except merchants_errors.StaffRoleRequired:
        assert isinstance(request.user, StaffUser)  # the admin lets only logged-in staff this far
        return Actor(merchant=merchant, channel=Channel.SYSTEM, user=request.user)


class InsertBatchAddForm(forms.ModelForm):
    class Meta:
        model = InsertBatch
        fields = [
            "merchant",
            "name",
            "aggregator",
            "aggregator_name",
            "program",
            "location",
            "count",
            "benefit_kind",
            "stamps",
            "benefit_title",
            "benefit_description",
            "voucher_validity",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        merchant, program, location = data.get("merchant"), data.get("program"), data.get("location")
        if merchant is not None and program is not None and program.merchant_id != merchant.pk:
            self.add_error("program", _("This program belongs to another merchant."))
        if merchant is not None and location is not None and location.merchant_id != merchant.pk:
            self.add_error("location", _("This location belongs to another merchant."))
        if merchant is not None and not self.errors:
            try:
                self.benefit: Benefit = benefit_clean(
                    merchant=merchant,
                    kind=data.get("benefit_kind", ""),
                    stamps=data.get("stamps"),
                    title=data.get("benefit_title", ""),
                    description=data.get("benefit_description", ""),
                    validity=data.get("voucher_validity"),
                )
            except ApplicationError as error:
                field = ((error.details.get("fields") or [{}])[0].get("field") or "").removeprefix("benefit.")
                target = {"kind": "benefit_kind", "validity": "voucher_validity"}.get(field, f"benefit_{field}")
                if field == "stamps":
                    target = "stamps"
                self.add_error(target if target in self.fields else None, str(error.message))
        return data


class InsertClaimInline(admin.TabularInline):
    model = InsertClaim
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "insert", "card", "new_customer", "check_ref", "voucher", "reward")
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[InsertClaim]:
        return super().get_queryset(request).select_related("insert", "card", "check_ref", "voucher", "reward")


@admin.register(InsertBatch)
class InsertBatchAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "merchant",
        "aggregator",
        "benefit_kind",
        "count",
        "scans",
        "claims",
        "created_at",
        "pdf_link",
    ]
    list_filter = ["aggregator", "benefit_kind"]
    search_fields = ["name", "aggregator_name"]
    list_select_related = ["merchant"]
    raw_id_fields = ["merchant", "program", "location"]
    readonly_fields = ["attribution", "pdf_link"]
    inlines = [InsertClaimInline]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = InsertBatchAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return list(InsertBatchAddForm.Meta.fields)
        return [*InsertBatchAddForm.Meta.fields, "scans", "created_by", "created_at", "pdf_link", "attribution"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [InsertClaimInline] if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[InsertBatch]:
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    def save_model(self, request: HttpRequest, obj: InsertBatch, form: Any, change: bool) -> None:
        data = form.cleaned_data
        batch = services.insert_batch_create(
            actor=admin_actor(request, data["merchant"]),
            name=data["name"],
            count=data["count"],
            benefit=form.benefit,
            aggregator=data["aggregator"],
            aggregator_name=data["aggregator_name"],
            program_id=data["program"].pk,
            location_id=str(data["location"].pk) if data.get("location") else None,
        )
        # The admin goes on with ``obj`` (its log entry, its redirect): make it the row the service wrote.
        obj.pk, obj.created_at, obj.created_by = batch.pk, batch.created_at, batch.created_by
        obj._state.adding, obj._state.db = False, batch._state.db

    def get_urls(self) -> list[URLPattern]:
        pdf_view = self.admin_site.admin_view(self.pdf_view)
        return [path("<uuid:batch_id>/pdf/", pdf_view, name="inserts_insertbatch_pdf"), *super().get_urls()]

    def pdf_view(self, request: HttpRequest, batch_id: str) -> HttpResponse:
        batch = get_object_or_404(InsertBatch.objects.select_related("merchant", "program"), pk=batch_id)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        document = pdf.batch_sheet(
            merchant=batch.merchant, batch=batch, inserts=selectors.inserts_of_batch(batch=batch)
        )
        response = HttpResponse(document, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="inserts-{batch.pk}.pdf"'
        return response

    @admin.display(description=gettext_lazy("Claims"), ordering="claim_count")
    def claims(self, batch: InsertBatch) -> int:
        return int(getattr(batch, "claim_count", 0))

    @admin.display(description=gettext_lazy("PDF"))
    def pdf_link(self, batch: InsertBatch) -> str:
        if batch.pk is None:
            return "-"
        url = reverse("admin:inserts_insertbatch_pdf", kwargs={"batch_id": batch.pk})
        return format_html('<a href="{}">{}</a>', url, _("Download the PDF"))

    @admin.display(description=gettext_lazy("Attribution"))
    def attribution(self, batch: InsertBatch) -> str:
        if batch.pk is None:
            return "-"
        stats = selectors.insert_batch_attribution(batch=batch)
        rows = [
            (_("Inserts"), stats.inserts),
            (_("Page opens"), stats.scans),
            (_("Claims"), stats.claims),
            (_("Unclaimed"), stats.unclaimed),
            (_("New customers"), stats.new_customers),
            (_("Existing customers"), stats.existing_customers),
            (_("Later visits"), stats.later_visits),
            (_("Customers who came back"), stats.customers_returned),
            (_("Later revenue"), f"{stats.later_revenue / 100:.2f} {stats.currency}"),
            (_("Last claim"), stats.last_claim_at or "-"),
        ]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))
