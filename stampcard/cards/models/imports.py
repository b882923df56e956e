"""Imports of customers with balances from another system."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from stampcard.cards.models.cards import Card
from stampcard.cards.models.programs import Program
from stampcard.core.models import TenantModel
from stampcard.merchants.actors import Channel


class ImportState(models.TextChoices):
    DRAFT = "draft", _("Waiting for the column mapping")
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportJob(TenantModel):
    """One CSV file of customers with balances from another system, imported in batches by the worker.

    The file lives in ``content`` (the decoded text, capped by ``IMPORT_MAX_BYTES``), not under MEDIA: any worker on
    any machine resumes the job from the database alone, and the file goes with the job's row (it is emptied when the
    job finishes, so customers' personal data does not linger in an upload). ``rows_done`` moves once per committed
    batch, in that batch's transaction: a worker killed mid-batch leaves it at the last batch that really landed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "merchants.StaffUser", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey("merchants.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The language of the ledger lines the job writes.")
    )
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    content = models.TextField(blank=True)
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True, help_text=_("Our field -> the file's column index."))
    state = models.CharField(max_length=8, choices=ImportState.choices, default=ImportState.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0, help_text=_("Rows imported before (the same file again)."))
    rejected = models.JSONField(default=list, blank=True, help_text=_("[{row, reasons}] of rows not imported."))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text=_("Last batch committed."))
    runs = models.PositiveSmallIntegerField(default=0, help_text=_("Times a worker took the job up."))
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="importjob_stalled")]

    def __str__(self) -> str:
        return f"import {self.file_name} ({self.state})"

    @property
    def percent(self) -> int:
        return 100 if not self.rows_total else min(100, self.rows_done * 100 // self.rows_total)


class ImportedRow(TenantModel):
    """That a customer of another system was imported into one program: the unique (program, key) makes an import
    idempotent. Re-running a file (or two workers on one batch) meets the index and leaves the balance alone."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, help_text=_("SHA-256 of the row's identity (card number, email, phone)."))
    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, related_name="imported_rows")
    row_number = models.PositiveIntegerField()
    card = models.ForeignKey(Card, on_delete=models.CASCADE, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "key"], name="imported_row_unique")]

    def __str__(self) -> str:
        return f"row {self.row_number} of {self.job_id}"
