"""Background work for cards (the tasks database worker: ``stampcard worker``): CSV import jobs, ledger partitions."""

import uuid

from django.db import transaction
from django_tasks import task

from stampcard.cards import partitioning
from stampcard.cards.imports import jobs
from stampcard.cards.models import ImportJob


@task()
def import_job_run(job_id: str) -> dict[str, int]:
    """Run an import job from where it stands to its end. Re-queued after a worker died, or queued again by the
    sweep, it resumes at the last committed batch (``jobs.import_job_run``)."""
    job = jobs.import_job_run(job_id=job_id)
    return {"rows_done": job.rows_done, "created": job.created_count, "updated": job.updated_count}


@task()
def imports_resume() -> int:
    """Periodic (and the beat's first tick after a restart): queue again every import job with no batch committed
    for a while. Safe beside a slow live worker: two runs of one job take turns batch by batch."""
    stalled = jobs.imports_stalled()
    for job_id in stalled:
        import_job_run.enqueue(job_id=str(job_id))
    return len(stalled)


def import_begin(*, job: ImportJob) -> ImportJob:
    """Queue a draft job for the worker: the state moves now, the task is queued once that commits."""
    with transaction.atomic():
        job = jobs.import_start(job=job)
        job_id: uuid.UUID = job.pk
        transaction.on_commit(lambda: import_job_run.enqueue(job_id=str(job_id)))
    return job


@task()
def ledger_partitions_ensure() -> list[str]:
    """Periodic: the partitions of the coming months of a ledger partitioned by month (``cards.partitioning``), so
    that lines never pile up in its DEFAULT partition. Nothing to do on an unpartitioned ledger or on SQLite."""
    return partitioning.partitions_ensure()
