"""POST /api/v1/imports (dry run and real), GET /api/v1/imports/{id}: the same services as the panel, roles, tenants."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stampcard.cards.models import Card, CardEvent, EventKind, ImportJob, ImportState
from stampcard.customers.models import Customer
from stampcard.merchants.models import Role
from tests.api.helpers import API, error_of
from tests.conftest import make_staff
from tests.factories import MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

FILE = "Client;Balance;Mail\nOlena;3;olena@example.com\nPetro;-1;petro@example.com\nIvan;2;ivan@example\n"


def upload(staff, text=FILE, **fields):
    data = {"file": SimpleUploadedFile("old.csv", text.encode("utf-8-sig"), content_type="text/csv"), **fields}
    return staff.client().post(f"{API}/imports", data=data, headers=fields.pop("headers", {}))


def test_a_dry_run_reports_every_rejected_row_and_writes_nothing(manager, program):
    response = upload(manager, mapping='{"name": "Client", "stamps": "Balance", "email": "Mail"}')
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["job"] is None
    assert body["mapping"] == {"name": "Client", "stamps": "Balance", "email": "Mail"}
    report = body["report"]
    assert (report["rows_total"], report["created"]) == (3, 1)
    assert [row["row"] for row in report["rejected"]] == [3, 4]
    assert report["rejected"][0]["codes"] == ["negative"]
    assert report["rejected"][1]["reasons"] == ["“ivan@example” is not an email address"]
    assert (Customer.objects.count(), ImportJob.objects.count()) == (0, 0)


def test_without_a_mapping_the_columns_are_guessed(manager, program):
    body = upload(manager).json()
    assert body["mapping"] == {"name": "Client", "stamps": "Balance", "email": "Mail"}


def test_a_real_import_queues_a_job_whose_progress_the_client_follows(
    manager, program, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(manager, dry_run="false", program_id=str(program.pk))
    assert response.status_code == 201, response.content
    job_id = response.json()["job"]["id"]
    progress = manager.client().get(f"{API}/imports/{job_id}").json()
    assert progress["state"] == ImportState.DONE
    assert (progress["rows_done"], progress["percent"], progress["created"]) == (3, 100, 1)
    assert [row["row"] for row in progress["rejected"]] == [3, 4]
    card = Card.objects.get(customer__email="olena@example.com")
    assert card.stamps == 3 and card.program == program
    assert CardEvent.objects.get(card=card, kind=EventKind.IMPORTED).api_key == manager.api_key


def test_a_replayed_idempotency_key_does_not_queue_a_second_job(manager, program):
    first = upload(manager, dry_run="false", headers={"Idempotency-Key": "import-1"})
    again = upload(manager, dry_run="false", headers={"Idempotency-Key": "import-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["job"]["id"] == again.json()["job"]["id"]
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"mapping": '{"email": "Mail"}'}, "invalid_mapping"),
        ({"mapping": '{"name": "Nope"}'}, "invalid_mapping"),
        ({"mapping": "[1]"}, "invalid_mapping"),
    ],
)
def test_a_bad_mapping_is_refused(manager, program, fields, code):
    assert error_of(upload(manager, **fields), 422)["code"] == code


def test_a_file_over_the_cap_is_refused_with_a_clear_error(manager, program, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    body = error_of(upload(manager, text="Name\n" + "x\n" * 600_000), 422)
    assert body["code"] == "file_too_large"
    assert "MB" in body["message"]


def test_a_cashier_may_not_import_nor_read_an_import(cashier, manager, program):
    error_of(upload(cashier), 403)
    job_id = upload(manager, dry_run="false").json()["job"]["id"]
    error_of(cashier.client().get(f"{API}/imports/{job_id}"), 403)


def test_another_merchants_import_is_not_found(manager, program):
    job_id = upload(manager, dry_run="false").json()["job"]["id"]
    other = make_staff(MerchantFactory(), Role.OWNER)
    ProgramFactory(merchant=other.merchant)
    assert error_of(other.client().get(f"{API}/imports/{job_id}"), 404)["code"] == "import_not_found"
    assert error_of(other.client().get(f"{API}/imports/not-a-uuid"), 404)["code"] == "import_not_found"


def test_another_merchants_program_is_not_found(manager, program):
    other_program = ProgramFactory(merchant=MerchantFactory())
    assert error_of(upload(manager, program_id=str(other_program.pk)), 404)["code"] == "program_not_found"
