"""Background work for receipt claims. Nothing here is needed for correctness: a claim's state is read from its
``expires_at``; this only keeps the table from growing with claims nobody ever scanned."""

from django_tasks import task

from stampcard.receipts import services


@task()
def receipt_claims_prune() -> dict[str, int]:
    """Delete claims nobody collected or voided, half a year after they expired."""
    return {"receipt_claims": services.receipt_claims_prune()}
