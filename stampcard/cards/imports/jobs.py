"""Import jobs: upload (a draft holding the file), map the columns, dry-run, then run in batches on the worker.

A row's fate is decided the same way by the dry run and the job (``rows.rows_check`` for the file alone, ``_decide``
against the database), so the rows a dry run rejects are the rows the job leaves out, as long as nobody changes
the customers in between.

Resumable: each batch commits its rows together with the job's ``rows_done``, under the job's row lock; a worker
killed mid-batch rolls that batch back and the next run (the task re-queued, or ``imports_stalled`` found by the
sweep) starts at ``rows_done``. Two workers on one job take turns batch by batch, so each row runs once.

Idempotent across jobs: every imported row leaves an ``ImportedRow`` unique per (program, identity), written first
in the row's savepoint; the same customer in a second run of the file meets the index and is skipped, and its
balance is not added twice.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stampcard.cards import selectors
from stampcard.cards import services as cards_services
from stampcard.cards.imports import reading
from stampcard.cards.imports.rows import MESSAGES, Row, reason, rows_check
from stampcard.cards.models import Card, ImportedRow, ImportJob, ImportState, Program
from stampcard.core import clock
from stampcard.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from stampcard.customers import services as customers_services
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import Merchant

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# A job whose last batch committed longer ago than this is taken up again by the sweep.
STALLED_AFTER = timedelta(minutes=2)
MAX_RUNS = 6
PREVIEW_ROWS = 20

CREATE, UPDATE, SKIP, REJECT = "create", "update", "skip", "reject"
ACTION_LABELS = {
    CREATE: gettext_lazy("New customer"),
    UPDATE: gettext_lazy("Existing customer: stamps added"),
    SKIP: gettext_lazy("Imported before: left as it is"),
}


@dataclass
class Decision:
    action: str
    customer: Customer | None = None
    card: Card | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """What a dry run found: how many rows each action takes, every rejected row and why, the first rows."""

    rows_total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "reasons": [rows.reason(...)]}
    preview: list[dict[str, Any]] = field(default_factory=list)  # {"row", "action", "label", "name", "stamps"}


def import_job_create(
    *, actor: Actor, program_id: str | uuid.UUID | None, file_name: str, data: bytes, language: str = ""
) -> ImportJob:
    """Keep an uploaded file as a draft job with the mapping guessed from its headers. Raises ValidationFailed for a
    file too large or unreadable (``reading.csv_read``), NotFound ``program_not_found``."""
    program = selectors.program_get(merchant=actor.merchant, program_id=str(program_id) if program_id else None)
    csv_file = reading.csv_read(data)
    return ImportJob.objects.create(
        merchant=actor.merchant,
        program=program,
        created_by=actor.user,
        api_key=actor.api_key,
        channel=actor.channel,
        language=language or translation.get_language() or "",
        file_name=(file_name or "")[:200],
        file_sha256=hashlib.sha256(data).hexdigest(),
        content=csv_file.text,
        delimiter=csv_file.delimiter,
        headers=csv_file.headers,
        mapping=reading.mapping_guess(csv_file.headers),
        rows_total=csv_file.rows_total,
    )


def import_job_get(*, merchant: Merchant, job_id: str | uuid.UUID) -> ImportJob:
    """One of this merchant's import jobs; NotFound ``import_not_found`` for a malformed, unknown or other
    merchant's id."""
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(code="import_not_found") from None
    job = ImportJob.objects.filter(merchant=merchant, pk=pk).select_related("program").first()
    if job is None:
        raise NotFound(code="import_not_found")
    return job


def import_jobs_recent(*, merchant: Merchant, limit: int = 10) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(merchant=merchant)
        .select_related("program")
        .defer("content")
        .order_by("-created_at")[:limit]
    )


def mapping_check(*, headers: list[str], mapping: dict[str, Any]) -> dict[str, int]:
    """A mapping of our fields to column indexes: known fields, real columns, no column twice, a name column.
    Raises ValidationFailed ``invalid_mapping``."""
    clean: dict[str, int] = {}
    for name, value in mapping.items():
        if value in (None, ""):
            continue
        if name not in reading.FIELD_NAMES:
            raise ValidationFailed(
                _("“%(name)s” is not a field an import fills.") % {"name": name}, code="invalid_mapping", field=name
            )
        try:
            index = int(value)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(headers):
            raise ValidationFailed(
                _("The file has no column %(value)s.") % {"value": value}, code="invalid_mapping", field=name
            )
        if index in clean.values():
            raise ValidationFailed(
                _("The column “%(column)s” is chosen for two fields; choose it once.") % {"column": headers[index]},
                code="invalid_mapping",
                field=name,
            )
        clean[name] = index
    if "name" not in clean:
        raise ValidationFailed(_("Choose the column that holds the name."), code="invalid_mapping", field="name")
    return clean


def import_mapping_set(*, job: ImportJob, mapping: dict[str, Any]) -> ImportJob:
    """Set a draft's mapping. Raises ValidationFailed ``invalid_mapping``, Conflict ``import_started``."""
    if job.state != ImportState.DRAFT:
        raise Conflict(_("This import has already started."), code="import_started")
    job.mapping = mapping_check(headers=job.headers, mapping=mapping)
    job.save(update_fields=["mapping"])
    return job


def _checked_rows(job: ImportJob) -> list[Row]:
    return rows_check(list(reading.data_rows(job.content, job.delimiter)), job.mapping)


@dataclass
class _Known:
    """What the database holds about one batch's rows, read in a few queries."""

    imported: set[str]
    by_email: dict[str, Customer]
    by_phone: dict[str, Customer]
    by_number: dict[str, Card]
    cards: dict[uuid.UUID, Card]  # customer id -> their card in the program


def _known(*, merchant: Merchant, program: Program, rows: list[Row]) -> _Known:
    good = [row for row in rows if not row.reasons]
    keys = [row.key for row in good]
    emails = [row.email for row in good if row.email]
    phones = [row.phone for row in good if row.phone]
    numbers = [row.card_number for row in good if row.card_number]
    imported = set(ImportedRow.objects.filter(program=program, key__in=keys).values_list("key", flat=True))
    customers = list(
        Customer.objects.filter(merchant=merchant, erased_at__isnull=True).filter(
            Q(email__in=emails) | Q(phone__in=phones)
        )
    )
    by_number = {
        card.number: card
        for card in Card.objects.filter(merchant=merchant, number__in=numbers).select_related("customer")
    }
    customer_ids = {customer.pk for customer in customers} | {card.customer_id for card in by_number.values()}
    cards = {card.customer_id: card for card in Card.objects.filter(program=program, customer_id__in=customer_ids)}
    return _Known(
        imported=imported,
        by_email={c.email: c for c in customers if c.email},
        by_phone={c.phone: c for c in customers if c.phone},
        by_number=by_number,
        cards=cards,
    )


def _contact_differs(row: Row, customer: Customer) -> bool:
    return bool(
        (row.email and customer.email and row.email != customer.email)
        or (row.phone and customer.phone and row.phone != customer.phone)
    )


def _decide(row: Row, known: _Known, program: Program) -> Decision:
    if row.reasons:
        return Decision(REJECT, reasons=row.reasons)
    if row.key in known.imported:
        return Decision(SKIP)
    by_email = known.by_email.get(row.email) if row.email else None
    by_phone = known.by_phone.get(row.phone) if row.phone else None
    if by_email and by_phone and by_email.pk != by_phone.pk:
        return Decision(REJECT, reasons=[reason("email_and_phone_of_two_customers")])
    customer = by_email or by_phone
    if row.card_number and (numbered := known.by_number.get(row.card_number)):
        if numbered.program_id != program.pk:
            return Decision(REJECT, reasons=[reason("card_number_of_another_program", number=row.card_number)])
        if customer and numbered.customer_id != customer.pk:
            return Decision(REJECT, reasons=[reason("card_number_of_another_customer", number=row.card_number)])
        if customer is None and _contact_differs(row, numbered.customer):
            return Decision(REJECT, reasons=[reason("card_number_of_another_contact", number=row.card_number)])
        customer = customer or numbered.customer
    if customer is None:
        return Decision(CREATE)
    return Decision(UPDATE, customer=customer, card=known.cards.get(customer.pk))


def _batches(rows: list[Row], size: int) -> list[list[Row]]:
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def import_dry_run(*, job: ImportJob) -> Report:
    """What the import would do with every row, writing nothing."""
    report = Report()
    rows = _checked_rows(job)
    report.rows_total = len(rows)
    for batch in _batches(rows, 500):
        known = _known(merchant=job.merchant, program=job.program, rows=batch)
        for row in batch:
            decision = _decide(row, known, job.program)
            if decision.action == REJECT:
                report.rejected.append({"row": row.number, "reasons": decision.reasons})
                continue
            report.created += decision.action == CREATE
            report.updated += decision.action == UPDATE
            report.skipped += decision.action == SKIP
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(
                    {
                        "row": row.number,
                        "action": decision.action,
                        "label": str(ACTION_LABELS[decision.action]),
                        "name": row.name,
                        "stamps": row.stamps,
                    }
                )
    return report


def import_start(*, job: ImportJob) -> ImportJob:
    """Draft -> queued (the caller enqueues the task after commit). Raises Conflict ``import_started``."""
    mapping_check(headers=job.headers, mapping=job.mapping)
    now = clock.now()
    changed = ImportJob.objects.filter(pk=job.pk, state=ImportState.DRAFT).update(
        state=ImportState.QUEUED, heartbeat_at=now
    )
    if not changed:
        raise Conflict(_("This import has already started."), code="import_started")
    job.refresh_from_db()
    return job


def _actor(job: ImportJob) -> Actor:
    return Actor(merchant=job.merchant, channel=Channel(job.channel), user=job.created_by, api_key=job.api_key)


def _row_write(job: ImportJob, actor: Actor, row: Row, decision: Decision) -> str:
    """Write one row in a savepoint: its ImportedRow first (the unique index settles a race), then the customer,
    the card and the imported balance. Returns the action taken; a refusal rejects the row with its message."""
    try:
        with transaction.atomic():
            imported = ImportedRow.objects.create(
                merchant=job.merchant, program=job.program, key=row.key, job=job, row_number=row.number
            )
            customer, card = decision.customer, decision.card
            if customer is None:
                customer = customers_services.customer_create(
                    merchant=job.merchant,
                    name=row.name,
                    email=row.email,
                    phone=row.phone,
                    birthday=row.birthday,
                    marketing_email_consent=row.consent,
                )
            else:
                customers_services.customer_fill_blanks(
                    customer=customer,
                    email=row.email,
                    phone=row.phone,
                    birthday=row.birthday,
                    marketing_email_consent=row.consent,
                )
            if card is None:
                card = cards_services.card_create(
                    customer=customer, program=job.program, actor=actor, number=row.card_number
                )
            cards_services.card_balance_import(
                card=card,
                actor=actor,
                stamps=row.stamps,
                lifetime_stamps=row.lifetime_stamps,
                reason=_("Imported from %(file)s, row %(row)s") % {"file": job.file_name or "CSV", "row": row.number},
                import_job=str(job.pk),
                row=row.number,
            )
            imported.card = card
            imported.save(update_fields=["card"])
    except IntegrityError:
        return SKIP  # another run imported this customer first
    except ApplicationError as refused:
        known = refused.code in MESSAGES
        decision.reasons = [reason(refused.code) if known else {"code": refused.code, "text": str(refused.message)}]
        return REJECT
    return decision.action


def _batch_run(job_id: uuid.UUID, rows: list[Row], size: int) -> bool:
    """Run the next batch of a job under its lock; False when there is nothing left to run."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.state not in (ImportState.QUEUED, ImportState.RUNNING):
            return False
        now = clock.now()
        start = job.rows_done
        if start >= len(rows):
            job.state, job.finished_at, job.content = ImportState.DONE, now, ""
            job.save(update_fields=["state", "finished_at", "content"])
            return False
        batch = rows[start : start + size]
        known = _known(merchant=job.merchant, program=job.program, rows=batch)
        actor = _actor(job)
        counts = {CREATE: 0, UPDATE: 0, SKIP: 0}
        for row in batch:
            decision = _decide(row, known, job.program)
            action = decision.action if decision.action in (REJECT, SKIP) else _row_write(job, actor, row, decision)
            if action == REJECT:
                job.rejected.append({"row": row.number, "reasons": decision.reasons})
            else:
                counts[action] += 1
        job.rows_done = start + len(batch)
        job.created_count += counts[CREATE]
        job.updated_count += counts[UPDATE]
        job.skipped_count += counts[SKIP]
        job.state, job.heartbeat_at = ImportState.RUNNING, now
        job.save(
            update_fields=[
                "rows_done",
                "created_count",
                "updated_count",
                "skipped_count",
                "rejected",
                "state",
                "heartbeat_at",
            ]
        )
    return True


def import_job_run(
    *, job_id: str | uuid.UUID, max_batches: int | None = None, batch_size: int = BATCH_SIZE
) -> ImportJob:
    """Run a queued or interrupted job from its ``rows_done`` to the end (or ``max_batches`` batches). Safe to call
    for a finished job (nothing happens) and from two workers at once (they take turns by batch)."""
    job = ImportJob.objects.select_related("merchant", "program").get(pk=job_id)
    if job.state not in (ImportState.QUEUED, ImportState.RUNNING):
        return job
    now = clock.now()
    ImportJob.objects.filter(pk=job.pk).update(runs=job.runs + 1, started_at=job.started_at or now, heartbeat_at=now)
    if job.runs + 1 > MAX_RUNS:
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportState.FAILED, finished_at=now, error=f"stopped after {MAX_RUNS} attempts"
        )
        return import_job_get(merchant=job.merchant, job_id=job.pk)
    with translation.override(job.language or None):
        rows = _checked_rows(job)
        batches = 0
        try:
            while max_batches is None or batches < max_batches:
                if not _batch_run(job.pk, rows, batch_size):
                    break
                batches += 1
        except Exception as failure:
            ImportJob.objects.filter(pk=job.pk).update(error=repr(failure)[:300])
            raise
    return import_job_get(merchant=job.merchant, job_id=job.pk)


def imports_stalled(*, older_than: timedelta = STALLED_AFTER) -> list[uuid.UUID]:
    """Jobs queued or running whose last sign of life (queued, or a batch committed) is older than ``older_than``:
    their task was lost or their worker died."""
    cutoff = clock.now() - older_than
    return list(
        ImportJob.objects.filter(
            state__in=(ImportState.QUEUED, ImportState.RUNNING), heartbeat_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
