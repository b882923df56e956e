"""Importing customers from a CSV file (upload -> map the columns -> dry run -> import on the worker, with a
progress bar that polls the job's row), and the CSV export of the customer list."""

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from stampcard.cards import exports
from stampcard.cards import tasks as cards_tasks
from stampcard.cards.imports import jobs, reading
from stampcard.cards.imports.rows import rejected_texts
from stampcard.cards.models import ImportJob, ImportState
from stampcard.core.errors import ApplicationError
from stampcard.merchants.models import Role
from stampcard.panel.access import panel_of, panel_view
from stampcard.panel.customers.forms import DirectoryFilterForm, ImportMappingForm, ImportUploadForm

SAMPLE_ROWS = 3


def _upload_form(request: HttpRequest, data: Any = None, files: Any = None) -> ImportUploadForm:
    return ImportUploadForm(
        data, files, merchant=panel_of(request).merchant, max_mb=reading.max_bytes() // (1024 * 1024)
    )


@panel_view(Role.MANAGER, methods=("GET", "POST"))
def import_upload(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the recent imports; POST: keep the file as a draft and go on to its columns."""
    panel = panel_of(request)
    form = _upload_form(request)
    status = 200
    if request.method == "POST":
        form = _upload_form(request, request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                reading.size_check(upload.size)
                job = jobs.import_job_create(
                    actor=panel.actor,
                    program_id=form.cleaned_data["program"].pk,
                    file_name=upload.name,
                    data=upload.read(reading.max_bytes() + 1),
                )
            except ApplicationError as refused:
                form.add_error("file", str(refused.message))
            else:
                return HttpResponseRedirect(reverse("panel:customers-import-job", args=[job.pk]))
        status = 400
    recent = jobs.import_jobs_recent(merchant=panel.merchant)
    return render(request, "panel/customers/import.html", {"form": form, "recent": recent}, status=status)


def _mapping_form(job: ImportJob, data: Any = None) -> ImportMappingForm:
    rows = reading.data_rows(job.content, job.delimiter)
    samples = [record for _index, (_number, record) in zip(range(SAMPLE_ROWS), rows, strict=False)]
    return ImportMappingForm(
        data,
        headers=job.headers,
        samples=samples,
        fields=[(name, str(label)) for name, label in reading.FIELDS],
        mapping=job.mapping,
    )


def _job_context(job: ImportJob, **extra: Any) -> dict[str, Any]:
    # Reasons are stored as codes and shown in the language of whoever looks.
    return {
        "job": job,
        "draft": job.state == ImportState.DRAFT,
        "states": ImportState,
        "rejected": rejected_texts(job.rejected),
        **extra,
    }


@panel_view(Role.MANAGER)
def import_job(request: HttpRequest, import_id: str) -> HttpResponse:
    """A draft: its columns to map and the dry run; a started job: its progress (the state is the job's row, so a
    reload or a worker restart shows where it really stands)."""
    job = jobs.import_job_get(merchant=panel_of(request).merchant, job_id=import_id)
    form = _mapping_form(job) if job.state == ImportState.DRAFT else None
    return render(request, "panel/customers/import_job.html", _job_context(job, form=form))


@panel_view(Role.MANAGER, methods=("POST",))
def import_check(request: HttpRequest, import_id: str) -> HttpResponse:
    """Save the mapping and show the dry run: what each row would do, and every row it would reject and why."""
    job = jobs.import_job_get(merchant=panel_of(request).merchant, job_id=import_id)
    if job.state != ImportState.DRAFT:
        return HttpResponseRedirect(reverse("panel:customers-import-job", args=[job.pk]))
    form = _mapping_form(job, request.POST)
    report = None
    if form.is_valid():
        try:
            jobs.import_mapping_set(job=job, mapping=form.mapping())
        except ApplicationError as refused:
            form.add_error(None, str(refused.message))
        else:
            report = jobs.import_dry_run(job=job)
    status = 200 if report is not None else 400
    context = _job_context(job, form=form, report=report)
    if report is not None:
        context["report_rejected"] = rejected_texts(report.rejected)
    return render(request, "panel/customers/import_job.html", context, status=status)


@panel_view(Role.MANAGER, methods=("POST",))
def import_start(request: HttpRequest, import_id: str) -> HttpResponse:
    """Queue the import for the worker and show its progress."""
    job = jobs.import_job_get(merchant=panel_of(request).merchant, job_id=import_id)
    try:
        cards_tasks.import_begin(job=job)
    except ApplicationError as refused:
        messages.error(request, str(refused.message))
    return HttpResponseRedirect(reverse("panel:customers-import-job", args=[job.pk]))


@panel_view(Role.MANAGER)
def import_progress(request: HttpRequest, import_id: str) -> HttpResponse:
    """The progress block alone, polled by htmx while the job runs (it stops polling once the job ends)."""
    job = jobs.import_job_get(merchant=panel_of(request).merchant, job_id=import_id)
    return render(request, "panel/customers/_import_progress.html", _job_context(job))


@panel_view(Role.MANAGER)
def customers_export(request: HttpRequest) -> StreamingHttpResponse:
    """The customer list under the list's filters, as a CSV file streamed in batches."""
    panel = panel_of(request)
    form = DirectoryFilterForm(request.GET or None, merchant=panel.merchant, within=panel.location_ids)
    filters = replace(form.filters(), within=panel.location_ids)
    lines = exports.customers_csv(merchant=panel.merchant, filters=filters, language=translation.get_language())
    return exports.csv_response(lines, filename="customers.csv")
