"""Importing customers in the panel: upload, map the columns, dry run, import on the worker with a progress bar that
reads the job's row; and the CSV export buttons of the customer list and the journal."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse

from stampcard.cards.imports import jobs
from stampcard.cards.models import Card, ImportJob, ImportState
from stampcard.customers.models import Customer
from stampcard.merchants.models import Role
from tests.panel.conftest import signed_in

pytestmark = pytest.mark.django_db

FILE = "Ім'я;Телефон;Штампи\nОлена;+380501234567;3\nПетро;12;1\nІван;;-2\nМарія;0671234567;5\n"


def upload(client, shop, text=FILE):
    data = {"file": SimpleUploadedFile("old.csv", text.encode("utf-8-sig")), "program": str(shop.program.pk)}
    return client.post("/panel/customers/import/", data)


def test_the_customer_list_links_to_import_and_export(shop, manager_client):
    html = manager_client.get("/panel/customers/?consent=yes").content.decode()
    assert "/panel/customers/import/" in html
    assert "/panel/customers/export.csv?consent=yes" in html


def test_an_upload_becomes_a_draft_whose_columns_are_guessed(shop, manager_client):
    response = upload(manager_client, shop)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/panel/customers/import/{job.pk}/"
    html = manager_client.get(response["Location"]).content.decode()
    assert job.mapping == {"name": 0, "phone": 1, "stamps": 2}
    assert '<option value="phone" selected>' in html
    assert "+380501234567" in html  # the first values of each column help choose


def test_an_unreadable_or_too_large_file_says_what_to_do(shop, manager_client, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    response = upload(manager_client, shop, text="Name\n" + "x\n" * 600_000)
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    response = upload(manager_client, shop, text="Name;Stamps\n")
    assert "no rows below its header" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_dry_run_lists_the_rejected_rows_and_saves_nothing(shop, manager_client):
    upload(manager_client, shop)
    job = ImportJob.objects.get()
    customers = Customer.objects.count()
    response = manager_client.post(
        f"/panel/customers/import/{job.pk}/check/", {"col_0": "name", "col_1": "phone", "col_2": "stamps"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-row="3"' in html and 'data-row="4"' in html and 'data-row="2"' not in html
    assert "Import 2 rows" in html
    assert Customer.objects.count() == customers


def test_a_column_chosen_twice_or_no_name_is_an_error_on_the_form(shop, manager_client):
    upload(manager_client, shop)
    job = ImportJob.objects.get()
    response = manager_client.post(f"/panel/customers/import/{job.pk}/check/", {"col_0": "name", "col_1": "name"})
    assert response.status_code == 400
    assert "choose it for one column only" in response.content.decode()
    response = manager_client.post(f"/panel/customers/import/{job.pk}/check/", {"col_1": "phone"})
    assert response.status_code == 400
    assert "holds the customer" in response.content.decode()


def test_import_runs_on_the_worker_and_the_page_shows_its_progress_after_a_reload(
    shop, manager_client, settings, django_capture_on_commit_callbacks
):
    upload(manager_client, shop)
    job = ImportJob.objects.get()
    manager_client.post(
        f"/panel/customers/import/{job.pk}/check/", {"col_0": "name", "col_1": "phone", "col_2": "stamps"}
    )
    # The task is queued after commit; here the worker has not taken it yet.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/panel/customers/import/{job.pk}/start/")
    assert response.status_code == 302
    html = manager_client.get(f"/panel/customers/import/{job.pk}/").content.decode()
    assert 'data-state="queued"' in html and 'hx-trigger="every 2s"' in html

    jobs.import_job_run(job_id=job.pk, max_batches=1, batch_size=2)  # the worker dies after one batch
    progress = manager_client.get(f"/panel/customers/import/{job.pk}/progress/").content.decode()
    assert 'value="2"' in progress and 'max="4"' in progress and "hx-trigger" in progress

    jobs.import_job_run(job_id=job.pk, batch_size=2)  # the next worker finishes it
    progress = manager_client.get(f"/panel/customers/import/{job.pk}/progress/").content.decode()
    assert 'data-state="done"' in progress and "hx-trigger" not in progress
    assert Card.objects.get(customer__phone="+380671234567").stamps == 5


def test_a_started_job_is_not_started_twice(shop, manager_client):
    upload(manager_client, shop)
    job = ImportJob.objects.get()
    jobs.import_start(job=job)
    response = manager_client.post(f"/panel/customers/import/{job.pk}/start/", follow=True)
    assert "already started" in response.content.decode()
    job.refresh_from_db()
    assert job.state == ImportState.QUEUED


def test_the_customers_export_streams_the_filtered_list(shop, manager_client):
    response = manager_client.get("/panel/customers/export.csv", {"q": shop.card.number})
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[4] for row in rows[1:]] == [shop.card.number]


def test_the_journal_export_streams_and_a_bad_filter_goes_back_to_the_journal(shop, manager_client):
    html = manager_client.get("/panel/journal/?kind=stamp").content.decode()
    assert "/panel/journal/export.csv?kind=stamp" in html
    response = manager_client.get("/panel/journal/export.csv")
    assert isinstance(response, StreamingHttpResponse)
    response = manager_client.get("/panel/journal/export.csv", {"customer": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/panel/journal/")


URLS = [
    ("get", "/panel/customers/import/"),
    ("get", "/panel/customers/export.csv"),
    ("get", "/panel/journal/export.csv"),
    ("get", "/panel/customers/import/{job}/"),
    ("post", "/panel/customers/import/{job}/check/"),
    ("post", "/panel/customers/import/{job}/start/"),
    ("get", "/panel/customers/import/{job}/progress/"),
]


@pytest.mark.parametrize(("method", "path"), URLS)
def test_a_cashier_is_refused(shop, method, path):
    job = jobs.import_job_create(
        actor=shop.staff[Role.MANAGER].actor(), program_id=shop.program.pk, file_name="a.csv", data=FILE.encode()
    )
    response = getattr(signed_in(shop, Role.CASHIER), method)(path.format(job=job.pk))
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path"), [url for url in URLS if "{job}" in url[1]])
def test_another_merchants_import_is_not_found(shop, other_shop, method, path):
    job = jobs.import_job_create(
        actor=other_shop.staff[Role.MANAGER].actor(),
        program_id=other_shop.program.pk,
        file_name="a.csv",
        data=FILE.encode(),
    )
    response = getattr(signed_in(shop, Role.OWNER), method)(path.format(job=job.pk))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.state == ImportState.DRAFT
