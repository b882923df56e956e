"""Idempotency records keep no secret in clear: the key as its digest, the answer sealed; a replay is still exact."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stampcard.api import sealing
from stampcard.api.models import IdempotencyRecord
from stampcard.receipts.models import ReceiptToken
from tests.api.helpers import error_of, post
from tests.receipts.conftest import check_body
from tests.stored import columns_holding

KEY = "Idempotency-Key"
IDEMPOTENCY_KEY = "till-7-receipt-P-10494"


@pytest.mark.django_db
def test_a_receipt_claim_made_with_an_idempotency_key_leaves_no_token_in_the_database(cashier, program):
    body = check_body(external_id="P-10494")

    first = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})
    again = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})

    assert first.status_code == 201, first.content
    token = first.json()["token"]
    assert token in first.json()["claim_url"]
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert columns_holding(token, IdempotencyRecord, ReceiptToken) == []
    assert columns_holding(IDEMPOTENCY_KEY, IdempotencyRecord) == []
    assert columns_holding('"code"', IdempotencyRecord) == []  # the answer's JSON is not readable either


@pytest.mark.django_db
def test_a_replay_after_a_secret_key_rotation_opens_with_the_fallback_key(cashier, program, settings):
    body = check_body()
    first = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    again = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})

    assert again.status_code == 201 and again.content == first.content


@pytest.mark.django_db
def test_a_replay_sealed_under_a_dropped_secret_key_is_refused_and_runs_nothing_again(cashier, program, settings):
    body = check_body()
    post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, []

    again = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})

    assert error_of(again, 409)["code"] == "idempotency_answer_unavailable"
    assert ReceiptToken.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_a_sealed_answer_does_not_open_under_another_key_api_key_or_status(settings):
    sealed = sealing.seal(b'{"token": "t"}', api_key_id=1, key="k", status=201)

    assert sealing.unseal(sealed, api_key_id=1, key="k", status=201) == b'{"token": "t"}'
    assert sealing.unseal(sealed, api_key_id=1, key="k2", status=201) is None
    assert sealing.unseal(sealed, api_key_id=2, key="k", status=201) is None
    assert sealing.unseal(sealed, api_key_id=1, key="k", status=200) is None


@pytest.mark.django_db(transaction=True)
def test_records_made_before_the_upgrade_are_sealed_by_the_migration_and_still_replay(cashier, program):
    body = check_body()
    first = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})
    fingerprint = IdempotencyRecord.objects.get().fingerprint
    executor = MigrationExecutor(connection)
    executor.migrate([("pos", "0002_idempotency_key_digest_add")])
    # Going back forgets the records (their keys cannot be recovered); put back one as the old code wrote it.
    old_state = executor.loader.project_state(("pos", "0002_idempotency_key_digest_add"))
    OldRecord = old_state.apps.get_model("pos", "IdempotencyRecord")
    assert not OldRecord.objects.exists()
    OldRecord.objects.create(
        api_key_id=cashier.api_key.pk, key=IDEMPOTENCY_KEY, fingerprint=fingerprint, status_code=201, body=first.content
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back
    again = post(cashier.client(), "/receipts", body, **{KEY: IDEMPOTENCY_KEY})

    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    token = first.json()["token"]
    assert columns_holding(token, IdempotencyRecord) == columns_holding(IDEMPOTENCY_KEY, IdempotencyRecord) == []
