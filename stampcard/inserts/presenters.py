"""Insert batches -> API payloads."""

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.urls import reverse

from stampcard.inserts.benefits import benefit_call
from stampcard.inserts.models import BenefitKind, InsertBatch
from stampcard.inserts.selectors import Attribution


def insert_batch_pdf_url(batch: InsertBatch) -> str:
    return settings.BASE_URL + reverse("api-v1:insert_batch_pdf", kwargs={"batch_id": batch.pk})


def insert_batch_payload(batch: InsertBatch, attribution: Attribution) -> dict[str, Any]:
    stamps = batch.benefit_kind == BenefitKind.STAMP
    return {
        "id": str(batch.pk),
        "name": batch.name,
        "aggregator": batch.aggregator,
        "aggregator_name": batch.aggregator_name,
        "aggregator_label": batch.aggregator_label,
        "count": batch.count,
        "program_id": str(batch.program_id),
        "location_id": str(batch.location_id) if batch.location_id else None,
        "benefit": {
            "kind": batch.benefit_kind,
            "stamps": batch.stamps if stamps else None,
            "title": batch.benefit_title,
            "description": batch.benefit_description,
            "validity": batch.voucher_validity,
            "words": benefit_call(batch),
        },
        "created_at": batch.created_at,
        "urls": {"pdf": insert_batch_pdf_url(batch)},
        "stats": {**asdict(attribution), "unclaimed": attribution.unclaimed},
    }
