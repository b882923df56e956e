"""The webhook endpoint: verify, store once, answer 200 at once; bad signatures get 403 and leave a log line only."""

import json
import logging

import pytest

from stampcard.poster import crypto
from stampcard.poster.models import AccountStatus, DeliveryOutcome, PosterAccount, PosterWebhookDelivery
from tests.poster.conftest import ACCOUNT, post_webhook

pytestmark = pytest.mark.django_db


def test_a_signed_webhook_is_stored_and_accepted(poster, connected, django_capture_on_commit_callbacks):
    body = poster.webhook_body(ACCOUNT, "transaction", 77, "added", sent_at=1518794257)
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_webhook(body, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response.json() == {"status": "accept", "duplicate": False}
    delivery = PosterWebhookDelivery.objects.get()
    assert (delivery.account, delivery.object, delivery.object_id, delivery.action, delivery.time) == (
        ACCOUNT,
        "transaction",
        "77",
        "added",
        "1518794257",
    )
    assert delivery.poster_account == connected
    assert delivery.signature_ok and delivery.remote_addr == "10.1.2.3"
    assert delivery.sent_at is not None and delivery.sent_at.timestamp() == 1518794257
    assert delivery.raw_body == json.dumps(body)  # byte for byte as Poster sent it
    assert delivery.outcome == DeliveryOutcome.PENDING and delivery.processed_at is None
    assert len(callbacks) == 1  # processing is queued after commit, not run in the request


def test_a_bad_signature_gets_403_stores_nothing_and_logs_a_security_line(poster, connected, caplog):
    body = poster.webhook_body(ACCOUNT, "transaction", 77, "changed", secret="not-our-secret")
    with caplog.at_level(logging.WARNING, logger="stampcard.security"):
        response = post_webhook(body, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_signature"
    assert not PosterWebhookDelivery.objects.exists()
    (record,) = [r for r in caplog.records if r.name == "stampcard.security"]
    assert record.levelno == logging.WARNING
    assert ACCOUNT in record.getMessage() and "203.0.113.9" in record.getMessage()


def test_a_tampered_body_is_a_bad_signature(poster, connected):
    body = poster.webhook_body(ACCOUNT, "transaction", 77, "changed")
    response = post_webhook({**body, "object_id": 78})
    assert response.status_code == 403
    assert not PosterWebhookDelivery.objects.exists()


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"account": "x"}'])
def test_a_body_that_is_not_a_webhook_gets_400(poster, client, raw):
    response = client.post("/integrations/poster/webhook", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_webhook"
    assert not PosterWebhookDelivery.objects.exists()


def test_the_content_type_is_not_required(poster, connected, client):
    body = poster.webhook_body(ACCOUNT, "transaction", 5, "added")
    response = client.post("/integrations/poster/webhook", data=json.dumps(body), content_type="text/plain")
    assert response.status_code == 200


def test_only_post_is_accepted(client):
    assert client.get("/integrations/poster/webhook").status_code == 405


def test_a_redelivery_is_answered_200_and_stored_once(poster, connected, django_capture_on_commit_callbacks):
    body = poster.webhook_body(ACCOUNT, "transaction", 77, "changed", data='{"x":1}')
    with django_capture_on_commit_callbacks() as callbacks:
        answers = [post_webhook(body) for _ in range(16)]
    assert [a.status_code for a in answers] == [200] * 16
    assert [a.json()["duplicate"] for a in answers] == [False] + [True] * 15
    assert PosterWebhookDelivery.objects.count() == 1
    assert len(callbacks) == 1


def test_the_same_event_at_another_time_or_with_other_data_is_another_delivery(poster, connected):
    post_webhook(poster.webhook_body(ACCOUNT, "transaction", 77, "changed", data='{"x":1}', sent_at=100))
    post_webhook(poster.webhook_body(ACCOUNT, "transaction", 77, "changed", data='{"x":1}', sent_at=101))
    post_webhook(poster.webhook_body(ACCOUNT, "transaction", 77, "changed", data='{"x":2}', sent_at=101))
    assert PosterWebhookDelivery.objects.count() == 3


def test_a_delivery_for_an_unknown_account_is_stored_and_acts_on_nothing(poster, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(poster.webhook_body(ACCOUNT, "transaction", 77, "changed"))
    assert response.status_code == 200
    delivery = PosterWebhookDelivery.objects.get()
    assert delivery.poster_account is None
    assert delivery.outcome == DeliveryOutcome.ACCOUNT_NOT_CONNECTED and delivery.processed_at is not None


# -- application: the marketplace install ---------------------------------------------------------------------------


def _install_body(poster, token, action="added"):
    data = json.dumps({"user_id": 4, "access_token": token}) if action == "added" else None
    return poster.webhook_body(ACCOUNT, "application", 1, action, data=data)


def test_an_install_for_a_connected_account_stores_its_new_token_encrypted(poster, connected):
    token = poster.token_issue(ACCOUNT)
    response = post_webhook(_install_body(poster, token))
    assert response.status_code == 200
    connected.refresh_from_db()
    assert crypto.token_decrypt(connected.access_token_encrypted) == token
    assert connected.status == AccountStatus.CONNECTED and connected.poster_user_id == "4"
    delivery = PosterWebhookDelivery.objects.get()
    assert delivery.outcome == DeliveryOutcome.TOKEN_STORED and delivery.processed_at is not None
    assert token not in delivery.raw_body and "[redacted]" in delivery.raw_body
    assert token.split(":")[1] not in json.dumps(delivery.detail)


def test_an_install_for_an_unknown_account_waits_unclaimed_for_a_connect(poster):
    token = poster.token_issue(ACCOUNT)
    post_webhook(_install_body(poster, token))
    account = PosterAccount.objects.get(account=ACCOUNT)
    assert account.merchant is None and account.status == AccountStatus.UNCLAIMED
    assert crypto.token_decrypt(account.access_token_encrypted) == token
    assert account.account_number == "555111"


def test_an_uninstall_forgets_the_token(poster, connected):
    post_webhook(_install_body(poster, "", action="removed"))
    connected.refresh_from_db()
    assert connected.status == AccountStatus.DISCONNECTED and connected.access_token_encrypted == ""
    assert PosterWebhookDelivery.objects.get().outcome == DeliveryOutcome.APP_REMOVED


def test_an_uninstall_of_an_unclaimed_account_deletes_it(poster):
    post_webhook(_install_body(poster, poster.token_issue(ACCOUNT)))
    post_webhook(_install_body(poster, "", action="removed"))
    assert not PosterAccount.objects.exists()


def test_a_forged_install_changes_nothing(poster, connected):
    before = connected.access_token_encrypted
    body = poster.webhook_body(
        ACCOUNT, "application", 1, "added", data=json.dumps({"access_token": "1:evil"}), secret="guess"
    )
    assert post_webhook(body).status_code == 403
    connected.refresh_from_db()
    assert connected.access_token_encrypted == before
