"""CSV import: reading what spreadsheets save, the dry run against the real run, idempotent re-runs, resuming a job
whose worker died mid-way, and the periodic sweep that finds stalled jobs."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import translation

from stampcard.cards import services as cards_services
from stampcard.cards import tasks as cards_tasks
from stampcard.cards.imports import jobs, reading
from stampcard.cards.imports.rows import rejected_texts
from stampcard.cards.models import Card, CardEvent, EventKind, ImportedRow, ImportJob, ImportState
from stampcard.core import clock
from stampcard.core.errors import ValidationFailed
from stampcard.customers.models import Customer
from stampcard.merchants.actors import Channel
from tests.factories import CardFactory, CustomerFactory

GOOD_AND_BAD = (
    "\ufeffІм'я;Електронна пошта;Телефон;Дата народження;Штампи;Всього штампів;Згода на розсилку\n"
    "Olena Kovalenko;olena@example.com;+380501234567;04.05.1990;3;10;так\n"  # 2
    "Petro;petro@example;;;1;;\n"  # 3 bad email
    "Ivan;;12345;;2;;\n"  # 4 bad phone
    "Maria;maria@example.com;;31.02.1990;2;;\n"  # 5 bad date
    "Taras;taras@example.com;;;-4;;\n"  # 6 negative stamps
    "Olena again;OLENA@example.com;;;1;;\n"  # 7 duplicate email within the file
    ";nobody@example.com;;;1;;\n"  # 8 no name
    "Andrii;;050 765 43 21;1985-01-02;0;;ні\n"  # 9 local Ukrainian phone
    "\n"  # 10 blank: not a row
    "Sofiia;sofiia@example.com;;;7;;yes\n"  # 11
)
REJECTED = {3, 4, 5, 6, 7, 8}


def csv_bytes(text: str = GOOD_AND_BAD) -> bytes:
    return text.encode("utf-8")


def make_job(manager, program, data: bytes | None = None, **kwargs) -> ImportJob:
    return jobs.import_job_create(
        actor=manager.actor(Channel.PANEL),
        program_id=program.pk,
        file_name="old-system.csv",
        data=csv_bytes() if data is None else data,
        **kwargs,
    )


def written() -> tuple[int, int, int, int]:
    return Customer.objects.count(), Card.objects.count(), CardEvent.objects.count(), ImportedRow.objects.count()


def assert_balances_are_ledger_sums():
    for card in Card.objects.all():
        total = CardEvent.objects.filter(card=card).aggregate(s=Sum("delta"))["s"] or 0
        assert card.stamps == total, card.number


# reading


def test_a_semicolon_file_with_a_bom_and_ukrainian_headers_is_read_and_its_columns_guessed():
    csv_file = reading.csv_read(csv_bytes())
    assert csv_file.delimiter == ";"
    assert csv_file.headers[0] == "Ім'я"  # the BOM is not part of the first header
    assert csv_file.rows_total == 9
    assert reading.mapping_guess(csv_file.headers) == {
        "name": 0,
        "email": 1,
        "phone": 2,
        "birthday": 3,
        "stamps": 4,
        "lifetime_stamps": 5,
        "consent": 6,
    }


def test_english_comma_headers_are_guessed():
    headers = ["Full name", "E-mail", "Mobile", "Date of birth", "Card number", "Balance", "Lifetime", "Newsletter"]
    assert reading.mapping_guess(headers) == {
        "name": 0,
        "email": 1,
        "phone": 2,
        "birthday": 3,
        "card_number": 4,
        "stamps": 5,
        "lifetime_stamps": 6,
        "consent": 7,
    }
    assert reading.sniff_delimiter("a,b,c\n1,2,3") == ","


def test_a_windows_1251_file_is_read():
    assert reading.csv_read("Ім'я;Штампи\nОлена;3\n".encode("cp1251")).headers == ["Ім'я", "Штампи"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"name\n" + b"x" * 2048, "file_too_large"),
        (b"\x00\x01\x02\xff\xfe\x00", "file_not_text"),
        (b"name;stamps\n", "file_empty"),
        (b"\n\n", "file_not_csv"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_what_to_do(settings, data, code):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as refused:
        reading.csv_read(data)
    assert refused.value.code == code


def test_the_mapping_needs_a_name_column_and_each_column_once(db):
    with pytest.raises(ValidationFailed, match="name"):
        jobs.mapping_check(headers=["a", "b"], mapping={"email": 1})
    with pytest.raises(ValidationFailed, match="two fields"):
        jobs.mapping_check(headers=["a", "b"], mapping={"name": 0, "email": 0})
    with pytest.raises(ValidationFailed):
        jobs.mapping_check(headers=["a", "b"], mapping={"name": 5})


# the dry run and the real run


def test_the_dry_run_lists_every_rejected_row_with_a_reason_and_writes_nothing(manager, program):
    job = make_job(manager, program)
    before = written()
    report = jobs.import_dry_run(job=job)
    assert written() == before
    assert {rejected["row"] for rejected in report.rejected} == REJECTED
    shown = {item["row"]: item for item in rejected_texts(report.rejected)}
    assert {row: item["codes"] for row, item in shown.items()} == {
        3: ["invalid_email"],
        4: ["invalid_phone"],
        5: ["invalid_date"],
        6: ["negative"],
        7: ["duplicate_in_file"],
        8: ["name_empty"],
    }
    assert shown[3]["reasons"] == ["“petro@example” is not an email address"]
    assert shown[6]["reasons"] == ["stamps cannot be negative (-4)"]
    assert shown[7]["reasons"] == ["the same customer as row 2 (olena@example.com)"]


def test_the_reasons_are_shown_in_the_language_of_whoever_looks(manager, program):
    report = jobs.import_dry_run(job=make_job(manager, program))
    with translation.override("uk"):
        ukrainian = rejected_texts(report.rejected)[0]["reasons"][0]
    assert ukrainian != rejected_texts(report.rejected)[0]["reasons"][0]
    assert "petro@example" in ukrainian
    assert (report.created, report.updated, report.skipped) == (3, 0, 0)


def test_the_real_run_imports_exactly_the_rows_the_dry_run_did_not_reject(manager, program):
    job = make_job(manager, program)
    report = jobs.import_dry_run(job=job)
    cards_tasks.import_begin(job=job)
    job = jobs.import_job_run(job_id=job.pk)
    assert job.state == ImportState.DONE
    assert job.content == ""  # the customers' data does not linger in the upload
    assert (job.rows_done, job.created_count, job.updated_count) == (9, 3, 0)
    assert {rejected["row"] for rejected in job.rejected} == REJECTED
    imported_rows = set(ImportedRow.objects.values_list("row_number", flat=True))
    all_rows = {2, 3, 4, 5, 6, 7, 8, 9, 11}
    assert imported_rows == all_rows - {r["row"] for r in report.rejected}
    olena = Card.objects.get(customer__email="olena@example.com")
    assert (olena.stamps, olena.lifetime_stamps) == (3, 10)
    assert olena.customer.phone == "+380501234567"
    assert olena.customer.marketing_email_consent
    assert str(olena.customer.birthday) == "1990-05-04"
    andrii = Customer.objects.get(name="Andrii")
    assert andrii.phone == "+380507654321"
    event = CardEvent.objects.get(card=olena, kind=EventKind.IMPORTED)
    assert (event.kind, event.delta, event.channel) == (EventKind.IMPORTED, 3, Channel.PANEL)
    assert event.actor == manager.membership.user
    assert_balances_are_ledger_sums()


def test_running_the_same_file_again_creates_nobody_and_adds_no_stamps(manager, program):
    first = make_job(manager, program)
    cards_tasks.import_begin(job=first)
    jobs.import_job_run(job_id=first.pk)
    after_first = written()
    stamps = dict(Card.objects.values_list("number", "stamps"))

    second = make_job(manager, program)
    report = jobs.import_dry_run(job=second)
    assert (report.created, report.updated, report.skipped) == (0, 0, 3)
    cards_tasks.import_begin(job=second)
    second = jobs.import_job_run(job_id=second.pk)
    assert (second.created_count, second.updated_count, second.skipped_count) == (0, 0, 3)
    assert written() == after_first
    assert dict(Card.objects.values_list("number", "stamps")) == stamps


def test_a_customer_already_here_gets_the_stamps_added_to_their_card(manager, program):
    existing = CardFactory(
        program=program, customer=CustomerFactory(merchant=program.merchant, email="sofiia@example.com")
    )
    cards_services.card_balance_import(card=existing, actor=manager.actor(), stamps=2, lifetime_stamps=2)
    job = make_job(manager, program)
    report = jobs.import_dry_run(job=job)
    assert (report.created, report.updated) == (2, 1)
    cards_tasks.import_begin(job=job)
    jobs.import_job_run(job_id=job.pk)
    existing.refresh_from_db()
    assert existing.stamps == 2 + 7
    assert Customer.objects.filter(email="sofiia@example.com").count() == 1
    assert_balances_are_ledger_sums()


def test_card_numbers_are_kept_and_a_number_held_by_someone_else_rejects_the_row(manager, program):
    someone = CustomerFactory(merchant=program.merchant, email="someone@example.com")
    taken = CardFactory(program=program, customer=someone, number="111111")
    data = csv_bytes("Name,Email,Card number,Stamps\nA,a@example.com,222222,4\nB,b@example.com,111111,5\nC,,12ab,1\n")
    job = make_job(manager, program, data)
    report = jobs.import_dry_run(job=job)
    assert [r["row"] for r in report.rejected] == [3, 4]
    assert report.rejected[0]["reasons"] == [{"code": "card_number_of_another_contact", "params": {"number": "111111"}}]
    cards_tasks.import_begin(job=job)
    jobs.import_job_run(job_id=job.pk)
    assert Card.objects.get(number="222222").stamps == 4
    taken.refresh_from_db()
    assert taken.stamps == 0


def test_the_same_card_number_matches_the_card_it_names(manager, program):
    card = CardFactory(program=program, number="333333")
    job = make_job(manager, program, csv_bytes("Name,Card number,Stamps\nWhoever,333333,6\n"))
    cards_tasks.import_begin(job=job)
    job = jobs.import_job_run(job_id=job.pk)
    assert (job.created_count, job.updated_count) == (0, 1)
    card.refresh_from_db()
    assert card.stamps == 6


# resuming


def test_a_job_killed_mid_way_resumes_where_it_stopped_and_imports_each_row_once(manager, program, monkeypatch):
    lines = ["Name,Email,Stamps"] + [f"Customer {n},c{n}@example.com,{n % 5}" for n in range(1, 12)]
    job = make_job(manager, program, csv_bytes("\n".join(lines)))
    cards_tasks.import_begin(job=job)

    # Two batches land, then the worker stops (killed between batches).
    job = jobs.import_job_run(job_id=job.pk, max_batches=2, batch_size=3)
    assert (job.state, job.rows_done) == (ImportState.RUNNING, 6)

    # The next worker dies in the middle of a batch: that batch rolls back whole.
    real = cards_services.card_balance_import
    calls = {"n": 0}

    def dies_on_the_second_row(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(cards_services, "card_balance_import", dies_on_the_second_row)
    with pytest.raises(SystemExit):
        jobs.import_job_run(job_id=job.pk, batch_size=3)
    job.refresh_from_db()
    assert job.rows_done == 6
    assert ImportedRow.objects.count() == 6
    monkeypatch.setattr(cards_services, "card_balance_import", real)

    job = jobs.import_job_run(job_id=job.pk, batch_size=3)
    assert (job.state, job.rows_done, job.created_count) == (ImportState.DONE, 11, 11)
    assert Customer.objects.filter(email__endswith="@example.com", name__startswith="Customer").count() == 11
    assert CardEvent.objects.filter(kind=EventKind.IMPORTED).count() == 11
    assert_balances_are_ledger_sums()
    # A finished job run again does nothing.
    assert jobs.import_job_run(job_id=job.pk).created_count == 11
    assert CardEvent.objects.filter(kind=EventKind.IMPORTED).count() == 11


def test_the_sweep_requeues_jobs_with_no_batch_for_a_while(manager, program, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    job = make_job(manager, program)
    jobs.import_start(job=job)  # queued, but its task was lost
    assert cards_tasks.imports_resume.call() == 0  # not stalled yet
    with clock.frozen_at(clock.now() + timedelta(minutes=3)):
        assert cards_tasks.imports_resume.call() == 1  # the immediate backend runs it at once
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert cards_tasks.imports_resume.call() == 0


def test_a_job_that_keeps_dying_is_given_up(manager, program):
    job = make_job(manager, program)
    jobs.import_start(job=job)
    ImportJob.objects.filter(pk=job.pk).update(runs=jobs.MAX_RUNS)
    job = jobs.import_job_run(job_id=job.pk)
    assert job.state == ImportState.FAILED
    assert Customer.objects.count() == 0


def test_a_started_job_cannot_be_started_or_remapped_again(manager, program):
    job = make_job(manager, program)
    jobs.import_start(job=job)
    with pytest.raises(Exception, match="already started"):
        jobs.import_start(job=job)
    with pytest.raises(Exception, match="already started"):
        jobs.import_mapping_set(job=job, mapping={"name": 0})
