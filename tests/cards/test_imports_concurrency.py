"""Import jobs under real concurrency on PostgreSQL: two workers on one job (the sweep re-queued it while the first
was still alive) and two jobs of the same file at once import each row once."""

import pytest
from django.db.models import Sum

from stampcard.cards import tasks as cards_tasks
from stampcard.cards.imports import jobs
from stampcard.cards.models import Card, CardEvent, EventKind, ImportedRow, ImportState
from stampcard.core.testing import run_concurrently
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 60


def a_file() -> bytes:
    lines = ["Name,Email,Stamps"] + [f"Customer {n},c{n}@example.com,{n % 7}" for n in range(ROWS)]
    return "\n".join(lines).encode()


def queued_job(manager, program):
    job = jobs.import_job_create(
        actor=manager.actor(Channel.PANEL), program_id=program.pk, file_name="same.csv", data=a_file()
    )
    return cards_tasks.import_begin(job=job)


def assert_each_row_once():
    assert Customer.objects.filter(name__startswith="Customer ").count() == ROWS
    assert CardEvent.objects.filter(kind=EventKind.IMPORTED).count() == ROWS
    assert ImportedRow.objects.count() == ROWS
    assert Card.objects.aggregate(s=Sum("stamps"))["s"] == sum(n % 7 for n in range(ROWS))


def test_two_workers_running_one_job_import_each_row_once(manager, program):
    job = queued_job(manager, program)

    outcomes = run_concurrently(lambda i: jobs.import_job_run(job_id=job.pk, batch_size=5), n=2)

    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    job.refresh_from_db()
    assert (job.state, job.rows_done, job.created_count, job.skipped_count) == (ImportState.DONE, ROWS, ROWS, 0)
    assert_each_row_once()


def test_two_jobs_of_the_same_file_at_once_import_each_row_once(manager, program):
    first, second = queued_job(manager, program), queued_job(manager, program)

    outcomes = run_concurrently(lambda i: jobs.import_job_run(job_id=(first, second)[i].pk, batch_size=5), n=2)

    assert all(outcome.ok for outcome in outcomes), [outcome.error for outcome in outcomes]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.created_count + second.created_count == ROWS
    assert first.skipped_count + second.skipped_count == ROWS
    assert_each_row_once()
