"""API v1 routes of CSV imports (manager): check a file (dry run) or import it as a background job, and follow the
job's progress. The same services as the panel's import pages (``jobs``). Mounted in ``config.api``."""

import hashlib
import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile

from stampcard.api.common import ERRORS, actor_of
from stampcard.api.idempotency import idempotent_write
from stampcard.cards import selectors
from stampcard.cards import tasks as cards_tasks
from stampcard.cards.imports import jobs, reading
from stampcard.cards.imports.rows import rejected_texts
from stampcard.cards.models import ImportJob
from stampcard.core.errors import ValidationFailed
from stampcard.merchants import services as merchants_services
from stampcard.merchants.models import Role

router = Router(tags=["imports"])


class RejectedRowOut(Schema):
    row: int = Field(description="The row as a spreadsheet numbers it (the header is row 1).")
    reasons: list[str] = Field(description="Why, in words (the staff login's language).")
    codes: list[str] = Field(
        description="Why, as stable codes: name_empty, invalid_email, invalid_phone, invalid_date, "
        "impossible_birthday, invalid_card_number, not_a_whole_number, negative, too_many, invalid_consent, "
        "duplicate_in_file, email_and_phone_of_two_customers, card_number_of_another_program, "
        "card_number_of_another_customer, card_number_of_another_contact, customer_exists, card_number_taken."
    )


class PreviewRowOut(Schema):
    row: int
    action: str = Field(description="`create` (a new customer), `update` (stamps added), `skip` (imported before).")
    name: str
    stamps: int


class ImportReportOut(Schema):
    rows_total: int
    created: int = Field(description="Rows that would make a new customer and card.")
    updated: int = Field(description="Rows of customers already here: the stamps are added to their card.")
    skipped: int = Field(description="Rows imported before (the same customer from this program's earlier import).")
    rejected: list[RejectedRowOut] = Field(description="Every row that would not be imported, and why.")
    preview: list[PreviewRowOut] = Field(description=f"The first {jobs.PREVIEW_ROWS} rows to import.")


class ImportJobOut(Schema):
    id: str
    state: str = Field(description="`queued`, `running`, `done` or `failed`.")
    file_name: str
    program_id: str
    rows_total: int
    rows_done: int
    percent: int
    created: int
    updated: int
    skipped: int
    rejected: list[RejectedRowOut]
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportOut(Schema):
    dry_run: bool
    headers: list[str] = Field(description="The file's column headers, as read.")
    mapping: dict[str, str] = Field(description="Our field -> the file's column header, as used.")
    report: ImportReportOut | None = Field(description="The dry run's findings; null for a real import.")
    job: ImportJobOut | None = Field(description="The import job; null for a dry run.")


def job_payload(job: ImportJob) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "state": job.state,
        "file_name": job.file_name,
        "program_id": str(job.program_id),
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "percent": job.percent,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "rejected": rejected_texts(job.rejected),
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _mapping_of(headers: list[str], raw: str | None) -> dict[str, Any] | None:
    """The mapping form field: a JSON object of our field -> a column header (or its 0-based index)."""
    if not raw:
        return None
    try:
        given = json.loads(raw)
    except ValueError:
        given = None
    if not isinstance(given, dict):
        raise ValidationFailed(
            '`mapping` must be a JSON object such as {"name": "Full name", "stamps": "Balance"}.',
            code="invalid_mapping",
            field="mapping",
        )
    mapping: dict[str, Any] = {}
    for name, column in given.items():
        if isinstance(column, str) and column in headers:
            mapping[str(name)] = headers.index(column)
        elif isinstance(column, int) and not isinstance(column, bool):
            mapping[str(name)] = column
        elif column not in (None, ""):
            raise ValidationFailed(
                f"The file has no column {column!r}.", code="invalid_mapping", field=str(name), column=str(column)
            )
    return mapping


def _prepare(request: HttpRequest, file: UploadedFile, program_id: str | None, mapping: str | None) -> ImportJob:
    """A job for the upload, unsaved: a dry run writes nothing."""
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    reading.size_check(file.size)
    data = file.read(reading.max_bytes() + 1)
    csv_file = reading.csv_read(data)
    program = selectors.program_get(merchant=actor.merchant, program_id=program_id or None)
    given = _mapping_of(csv_file.headers, mapping)
    chosen = reading.mapping_guess(csv_file.headers) if given is None else given
    job = ImportJob(
        merchant=actor.merchant,
        program=program,
        created_by=actor.user,
        api_key=actor.api_key,
        channel=actor.channel,
        language=(actor.user.language if actor.user else "") or translation.get_language() or "",
        file_name=(file.name or "")[:200],
        content=csv_file.text,
        delimiter=csv_file.delimiter,
        headers=csv_file.headers,
        rows_total=csv_file.rows_total,
    )
    job.mapping = jobs.mapping_check(headers=csv_file.headers, mapping=chosen)
    job.file_sha256 = hashlib.sha256(data).hexdigest()
    return job


def _out(job: ImportJob, *, report: jobs.Report | None) -> dict[str, Any]:
    return {
        "dry_run": report is not None,
        "headers": job.headers,
        "mapping": {name: job.headers[index] for name, index in job.mapping.items()},
        "report": {**report.__dict__, "rejected": rejected_texts(report.rejected)} if report is not None else None,
        "job": job_payload(job) if report is None else None,
    }


@idempotent_write(201, ImportOut)
def _import_start(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    job.save()
    job = cards_tasks.import_begin(job=job)
    return _out(job, report=None)


@router.post(
    "/imports",
    response={200: ImportOut, 201: ImportOut, **ERRORS},
    summary="Import customers with balances from a CSV file (manager)",
    description="Multipart: `file` (CSV, UTF-8 with or without a BOM, comma or semicolon; at most "
    f"{reading.max_bytes() // (1024 * 1024)} MB), `program_id` (the card the balances go to; the default program "
    "when omitted), `mapping` (JSON object: our field -> the file's column header; fields: "
    f"{', '.join(reading.FIELD_NAMES)}; guessed from the headers when omitted), `dry_run` (default true). "
    "A dry run (200) writes nothing and reports every row it would reject and why; otherwise (201) an import job is "
    "queued: follow it at `GET /imports/{id}`. Re-importing a file adds no customer and no stamps twice. "
    "422 `file_too_large`, `file_not_text`, `file_not_csv`, `file_empty`, `invalid_mapping`; 403 below manager.",
)
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    program_id: Form[str | None] = None,
    mapping: Form[str | None] = None,
    dry_run: Form[bool] = True,
) -> Any:
    job = _prepare(request, file, program_id, mapping)
    if dry_run:
        return Status(200, _out(job, report=jobs.import_dry_run(job=job)))
    response: HttpResponse = _import_start(request, job)
    return response


@router.get(
    "/imports/{import_id}",
    response={200: ImportJobOut, **ERRORS},
    summary="An import job's progress (manager)",
    description="404 `import_not_found` for an unknown id and for another merchant's import alike.",
)
def get_import(request: HttpRequest, import_id: str) -> dict[str, Any]:
    actor = actor_of(request)
    merchants_services.ensure_role(actor=actor, minimum=Role.MANAGER)
    return job_payload(jobs.import_job_get(merchant=actor.merchant, job_id=import_id))
