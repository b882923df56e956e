"""An insert's token is not stored in clear; scanning it still claims, and inserts printed before the upgrade keep
opening and print the same QR again."""

import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from pypdf import PdfReader

from stampcard.cards.models import CardEvent
from stampcard.core import secretbox
from stampcard.inserts import pdf, selectors, services
from stampcard.inserts.errors import InsertNotFound
from stampcard.inserts.models import Insert, InsertBatch, InsertClaim
from tests.factories import CardFactory
from tests.inserts.conftest import claim_path, inserts_of, join_data, make_batch
from tests.stored import columns_holding

BEFORE = ("inserts", "0001_initial")


def sheet_text(batch: InsertBatch) -> str:
    document = pdf.batch_sheet(merchant=batch.merchant, batch=batch, inserts=selectors.inserts_of_batch(batch=batch))
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


@pytest.mark.django_db
def test_the_database_keeps_only_a_digest_and_a_sealed_copy_of_each_token(batch):
    tokens = [insert.token for insert in inserts_of(batch)]

    assert len(set(tokens)) == batch.count
    for token in tokens:
        assert columns_holding(token, Insert, InsertBatch, InsertClaim) == []
        assert Insert.objects.get(token_digest=secretbox.digest(token)).batch_id == batch.pk


@pytest.mark.django_db
def test_the_scanned_token_claims_and_a_changed_one_does_not(batch, program):
    insert = inserts_of(batch)[0]
    card = CardFactory(program=program)

    result = services.insert_claim(token=insert.token.upper(), card=card)  # a phone may upper-case a typed URL

    assert result.claim.insert_id == insert.pk and not result.replayed
    assert CardEvent.objects.filter(card=card).count() == 1
    with pytest.raises(InsertNotFound):
        selectors.insert_get_by_token(token=insert.token[:-1] + ("0" if insert.token[-1] != "0" else "1"))


@pytest.mark.django_db
def test_the_pdf_downloaded_again_prints_the_same_tokens(batch):
    first, again = sheet_text(batch), sheet_text(batch)

    assert first == again
    for insert in inserts_of(batch):
        assert pdf.insert_url(insert) in first


@pytest.mark.django_db(transaction=True)
def test_an_insert_printed_before_the_upgrade_keeps_opening_and_prints_the_same(manager, program, phone):
    batch = make_batch(manager.actor(), count=2)
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OldInsert = executor.loader.project_state(BEFORE).apps.get_model("inserts", "Insert")
    printed = {"k7qm2xwp9hd3f4ga": 1, "a1b2c3d4e5f6g7h8": 2}
    for token, serial in printed.items():
        OldInsert.objects.filter(batch_id=batch.pk, serial=serial).update(token=token)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back

    for token in printed:
        assert columns_holding(token, Insert) == []
        assert f"/i/{token}" in sheet_text(batch)
    assert [insert.token for insert in inserts_of(batch)] == list(printed)
    page = phone.get("/i/k7qm2xwp9hd3f4ga")
    assert page.status_code == 200
    claimed = phone.post("/i/k7qm2xwp9hd3f4ga", join_data())
    assert claimed.status_code == 302
    assert InsertClaim.objects.get().insert.serial == 1
    assert phone.get(claim_path(inserts_of(batch)[1])).status_code == 200
