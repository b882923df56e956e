"""POST /api/v1/poster/checkouts: the register's check commit is accepted only with Poster's X-Poster-Signature."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core.clock import frozen_at
from stampcard.merchants.actors import Channel
from stampcard.merchants.models import Role
from stampcard.poster.models import AccountStatus, PosterAccount
from stampcard.poster.signatures import make_request_signature
from tests.conftest import make_staff, reload
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db

SECRET = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
PATH = "/api/v1/poster/checkouts"


@pytest.fixture(autouse=True)
def _application_secret(settings):
    settings.POSTER_APPLICATION_SECRET = SECRET
    settings.BASE_URL = "https://loyalty.example.com"


def commit_body(card, *, external_id="330660", total=12550) -> dict:
    return {"card": card.number, "check": {"external_id": external_id, "total": total, "currency": "UAH"}}


def post_signed(
    staff,
    body: dict,
    *,
    url: str = f"http://testserver{PATH}",
    signed_body: str | None = None,
    sent_body: str | None = None,
    secret: str = SECRET,
    at: datetime = NOW,
    account: str = "kava-test",
    spot_id: str = "1",
    signature: str | None = None,
    **headers: str,
):
    """POST as Poster's proxy does: the JSON body, signed over URL + body + X-Poster-Time + the app's secret."""
    compact = json.dumps(body, separators=(",", ":"))
    poster_time = str(int(at.timestamp()))
    if signature is None:
        signature = make_request_signature(
            url=url, body=compact if signed_body is None else signed_body, poster_time=poster_time, secret=secret
        )
    extra = {
        "X-Poster-Signature": signature,
        "X-Poster-Time": poster_time,
        "X-Poster-Url": account,
        "X-Poster-Spot-Id": spot_id,
        "X-Poster-Tablet-Id": "1",
        **headers,
    }
    client = Client(headers={"Authorization": f"Bearer {staff.raw_key}", **{k: v for k, v in extra.items() if v}})
    with frozen_at(at):
        return client.post(PATH, data=compact if sent_body is None else sent_body, content_type="application/json")


def test_a_signed_commit_stamps_the_card_as_a_poster_check(cashier, card):
    response = post_signed(cashier, commit_body(card))

    assert response.status_code == 200, response.content
    assert response.json()["stamps_issued"] == 1
    assert reload(card).stamps == 1
    check = Check.objects.get()
    assert (check.pos, check.external_id, check.total, check.location) == ("poster", "330660", 12550, cashier.location)
    assert CardEvent.objects.get(kind=EventKind.STAMP).channel == Channel.POSTER


def test_the_url_poster_signed_may_be_the_public_base_url(cashier, card):
    response = post_signed(cashier, commit_body(card), url=f"https://loyalty.example.com{PATH}")
    assert response.status_code == 200, response.content


def test_a_signature_over_the_compact_json_accepts_a_body_sent_with_spaces(cashier, card):
    body = commit_body(card)
    response = post_signed(cashier, body, sent_body=json.dumps(body, indent=2))
    assert response.status_code == 200, response.content


def test_a_signature_over_phps_json_encode_form_is_accepted(cashier, card):
    body = {**commit_body(card), "check": {**commit_body(card)["check"], "external_id": "A/1"}}
    php_form = json.dumps(body, separators=(",", ":")).replace("/", "\\/")
    response = post_signed(cashier, body, signed_body=php_form)
    assert response.status_code == 200, response.content
    assert Check.objects.get().external_id == "A/1"


def test_a_commit_without_a_signature_is_refused_and_stamps_nothing(cashier, card):
    response = post_signed(cashier, commit_body(card), signature="", **{"X-Poster-Time": ""})

    assert response.status_code == 403
    assert response.json()["code"] == "poster_signature_missing"
    assert reload(card).stamps == 0 and not Check.objects.exists()


def test_a_signature_made_with_another_secret_is_refused_and_logged(cashier, card, caplog):
    with caplog.at_level(logging.WARNING, logger="stampcard.security"):
        response = post_signed(cashier, commit_body(card), secret="not-the-application-secret")

    assert response.status_code == 403
    assert response.json()["code"] == "poster_signature_invalid"
    assert not Check.objects.exists()
    assert any("bad signature" in record.getMessage() for record in caplog.records)


def test_a_body_changed_after_signing_is_refused(cashier, card):
    signed = json.dumps(commit_body(card, total=100), separators=(",", ":"))
    response = post_signed(cashier, commit_body(card, total=990000), signed_body=signed)

    assert response.status_code == 403
    assert response.json()["code"] == "poster_signature_invalid"
    assert not Check.objects.exists()


def test_a_signature_for_another_url_is_refused(cashier, card):
    response = post_signed(cashier, commit_body(card), url="https://attacker.example/api/v1/poster/checkouts")
    assert response.status_code == 403
    assert response.json()["code"] == "poster_signature_invalid"


def test_an_old_signature_is_refused_as_expired(cashier, card):
    signed_long_ago = NOW - timedelta(hours=1)
    body = commit_body(card)
    compact = json.dumps(body, separators=(",", ":"))
    poster_time = str(int(signed_long_ago.timestamp()))
    signature = make_request_signature(
        url=f"http://testserver{PATH}", body=compact, poster_time=poster_time, secret=SECRET
    )
    client = Client(
        headers={
            "Authorization": f"Bearer {cashier.raw_key}",
            "X-Poster-Signature": signature,
            "X-Poster-Time": poster_time,
        }
    )
    with frozen_at(NOW):
        response = client.post(PATH, data=compact, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "poster_signature_expired"
    assert not Check.objects.exists()


def test_a_refused_signature_does_not_become_the_idempotency_keys_answer(cashier, card):
    refused = post_signed(cashier, commit_body(card), secret="wrong", **{"Idempotency-Key": "order-1"})
    accepted = post_signed(cashier, commit_body(card), **{"Idempotency-Key": "order-1"})

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted.json()["stamps_issued"] == 1


def test_committing_the_same_order_twice_stamps_once(cashier, card):
    first = post_signed(cashier, commit_body(card))
    again = post_signed(cashier, commit_body(card), at=NOW + timedelta(seconds=5))

    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert reload(card).stamps == 1


def test_a_poster_account_of_another_business_is_refused(cashier, card):
    PosterAccount.objects.create(merchant=MerchantFactory(), account="other-cafe", status=AccountStatus.CONNECTED)

    response = post_signed(cashier, commit_body(card), account="other-cafe")

    assert response.status_code == 403
    assert response.json()["code"] == "poster_account_mismatch"
    assert not Check.objects.exists()


def test_a_key_without_a_location_counts_the_check_at_the_spots_location(merchant, location, card, connected):
    staff = make_staff(merchant, Role.CASHIER)

    response = post_signed(staff, commit_body(card), account="kava-test", spot_id="1")

    assert response.status_code == 200, response.content
    assert Check.objects.get().location == location


def test_the_generic_checkout_route_still_needs_no_poster_signature(cashier, card):
    # Other POS integrations use POST /checkouts with their API key alone; only the Poster route is signed.
    response = cashier.client().post("/api/v1/checkouts", data=commit_body(card), content_type="application/json")
    assert response.status_code == 200
