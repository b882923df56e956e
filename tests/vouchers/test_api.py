"""The voucher endpoints of API v1 (DESIGN.md §5): shapes, roles, tenancy, idempotency, and the card payload."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from stampcard.core.clock import frozen_at
from stampcard.merchants.models import Role
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.services import Validity
from tests.api.helpers import error_of, get, post
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db

VOUCHER_FIELDS = {
    "id",
    "code",
    "code_display",
    "code_source",
    "state",
    "title",
    "description",
    "benefit",
    "card",
    "reward_id",
    "batch_id",
    "valid_from",
    "expires_at",
    "redeemed_at",
    "discount",
    "cancelled_at",
    "created_at",
    "urls",
}


def test_a_manager_issues_a_voucher_into_a_customers_card(now, manager, card):
    response = post(
        manager.client(),
        "/vouchers",
        {"card": card.number, "title": "Free cappuccino", "description": "Any size", "validity": {"days": 30}},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["batch"] is None
    [voucher] = body["vouchers"]
    assert set(voucher) == VOUCHER_FIELDS
    assert voucher["state"] == "active" and voucher["card"] == card.number and voucher["title"] == "Free cappuccino"
    assert len(voucher["code"]) == 10 and voucher["code_display"] == f"{voucher['code'][:5]}-{voucher['code'][5:]}"
    assert voucher["redeemed_at"] is None and voucher["expires_at"].startswith("2026-04-09")
    assert voucher["benefit"] == {"kind": "gift", "value": 0} and voucher["discount"] is None
    assert set(voucher["urls"]) >= {"page", "qr_svg", "barcode_svg"}
    assert voucher["code"] not in voucher["urls"]["page"]


def test_a_manager_generates_bearer_vouchers_in_bulk_with_a_printable_batch(now, manager):
    response = post(
        manager.client(),
        "/vouchers",
        {"title": "Coffee on us", "count": 10, "validity": {"until": "2026-12-31"}, "purpose": "flyers"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["vouchers"]) == 10 and all(v["card"] is None for v in body["vouchers"])
    assert body["batch"]["count"] == 10 and body["batch"]["purpose"] == "flyers"
    assert all(v["batch_id"] == body["batch"]["id"] for v in body["vouchers"])
    assert all(v["expires_at"] == "2026-12-31T22:00:00Z" for v in body["vouchers"])


def test_the_batch_pdf_holds_every_code_eight_to_a_page(now, manager):
    body = post(manager.client(), "/vouchers", {"title": "Кава в подарунок", "count": 11}).json()

    response = manager.client().get(body["batch"]["urls"]["pdf"].removeprefix("http://127.0.0.1:8000"))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Кава в подарунок" in text
    for voucher in body["vouchers"]:
        assert voucher["code_display"] in text


def test_only_managers_issue_vouchers_and_print_batches(now, cashier, manager):
    assert error_of(post(cashier.client(), "/vouchers", {"title": "Free"}), 403)["code"] == "role_forbidden"
    batch = post(manager.client(), "/vouchers", {"title": "Free", "count": 2}).json()["batch"]
    assert error_of(cashier.client().get(f"/api/v1/vouchers/batches/{batch['id']}/pdf"), 403)["code"] == (
        "role_forbidden"
    )


def test_another_merchants_batch_is_not_found(now, manager):
    stranger = make_staff(MerchantFactory(), Role.MANAGER)
    batch = post(stranger.client(), "/vouchers", {"title": "Free", "count": 2}).json()["batch"]
    response = manager.client().get(f"/api/v1/vouchers/batches/{batch['id']}/pdf")
    assert error_of(response, 404)["code"] == "voucher_batch_not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Free", "count": 2, "card": "CARD"}, "count"),
        ({"title": "Free", "validity": {"days": 1, "months": 1}}, "validity"),
        ({"title": "Free", "validity": {"days": 0}}, "validity.days"),
        ({"title": "Free", "code": "COFFEE LOVE"}, "code"),
        ({"title": "", "count": 1}, "title"),
        ({"title": "Free", "count": 5000}, "count"),
    ],
)
def test_issue_refuses_bad_bodies_with_a_422(now, manager, card, body, field):
    if body.get("card") == "CARD":
        body["card"] = card.number
    error = error_of(post(manager.client(), "/vouchers", body), 422)
    assert field in [f["field"] for f in error["details"]["fields"]]


def test_a_merchant_code_is_taken_once(now, manager):
    assert post(manager.client(), "/vouchers", {"title": "Promo", "code": "summer-25"}).status_code == 201
    error = error_of(post(manager.client(), "/vouchers", {"title": "Promo", "code": "SUMMER25"}), 409)
    assert error["code"] == "voucher_code_taken"


def test_get_shows_the_state_to_the_merchants_staff(now, manager_actor, cashier, card):
    voucher = issue(manager_actor, card=card)

    response = get(cashier.client(), f"/vouchers/{voucher.code.lower()}")

    assert response.status_code == 200
    assert response.json()["state"] == "active" and response.json()["card"] == card.number


def test_get_reads_an_expired_voucher_as_expired_before_the_job_ran(now, manager_actor, cashier):
    voucher = issue(manager_actor, validity=Validity(days=1))
    with frozen_at(voucher.expires_at):
        assert get(cashier.client(), f"/vouchers/{voucher.code}").json()["state"] == "expired"


def test_redeem_then_redeem_again(now, manager_actor, cashier):
    voucher = issue(manager_actor)

    first = post(cashier.client(), f"/vouchers/{voucher.code}/redeem", {"check": {"external_id": "P-10493"}})
    second = post(cashier.client(), f"/vouchers/{voucher.code}/redeem")

    assert first.status_code == 200 and first.json()["state"] == "redeemed" and first.json()["redeemed_at"]
    assert error_of(second, 409)["code"] == "voucher_already_redeemed"
    assert Voucher.objects.get(pk=voucher.pk).redeemed_check_external_id == "P-10493"


def test_redeem_with_no_body_at_all(now, manager_actor, cashier):
    voucher = issue(manager_actor)
    response = cashier.client().generic("POST", f"/api/v1/vouchers/{voucher.code}/redeem")  # no content type
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("setup", "code"),
    [("expired", "voucher_expired"), ("cancelled", "voucher_cancelled"), ("later", "voucher_not_yet_valid")],
)
def test_redeem_refusals_have_stable_codes(now, manager_actor, cashier, setup, code):
    voucher = issue(
        manager_actor,
        validity=Validity(days=1),
        valid_from=now + timedelta(hours=1) if setup == "later" else None,
    )
    if setup == "cancelled":
        post(make_staff(manager_actor.merchant, Role.MANAGER).client(), f"/vouchers/{voucher.code}/cancel")
    moment = voucher.expires_at + timedelta(seconds=1) if setup == "expired" else now
    with frozen_at(moment):
        assert error_of(post(cashier.client(), f"/vouchers/{voucher.code}/redeem"), 409)["code"] == code


def test_a_replayed_redeem_returns_the_first_answer(now, manager_actor, cashier):
    voucher = issue(manager_actor)
    client = cashier.client()

    first = post(client, f"/vouchers/{voucher.code}/redeem", {}, **{"Idempotency-Key": "redeem-1"})
    replay = post(client, f"/vouchers/{voucher.code}/redeem", {}, **{"Idempotency-Key": "redeem-1"})

    assert first.status_code == replay.status_code == 200
    assert replay.content == first.content and replay["Idempotent-Replayed"] == "true"


def test_a_replayed_bulk_issue_issues_once(now, manager):
    client = manager.client()
    bodies = [
        post(client, "/vouchers", {"title": "Free", "count": 3}, **{"Idempotency-Key": "batch-1"}).json()
        for _ in range(2)
    ]
    assert bodies[0] == bodies[1] and Voucher.objects.count() == 3


def test_a_mistyped_code_is_a_422_before_any_lookup(now, manager_actor, cashier):
    voucher = issue(manager_actor)
    typo = voucher.code[:-1] + ("0" if voucher.code[-1] != "0" else "1")

    with CaptureQueriesContext(connection) as queries:
        error = error_of(post(cashier.client(), f"/vouchers/{typo}/redeem"), 422)

    assert error["code"] == "voucher_code_mistyped"
    assert not [q for q in queries.captured_queries if '"vouchers_voucher"' in q["sql"]]


def test_another_merchants_voucher_answers_exactly_like_an_unknown_code(now, cashier):
    stranger = make_staff(MerchantFactory(), Role.MANAGER)
    theirs = issue(stranger.actor())
    unknown = post(stranger.client(), "/vouchers", {"title": "x"}).json()["vouchers"][0]["code"]
    Voucher.objects.filter(code=unknown).delete()

    for path in (f"/vouchers/{theirs.code}", f"/vouchers/{unknown}"):
        assert error_of(get(cashier.client(), path), 404)["code"] == "voucher_not_found"
    foreign = post(cashier.client(), f"/vouchers/{theirs.code}/redeem")
    missing = post(cashier.client(), f"/vouchers/{unknown}/redeem")
    assert foreign.status_code == missing.status_code == 404 and foreign.json() == missing.json()
    assert Voucher.objects.get(pk=theirs.pk).state == "active"


def test_a_manager_cancels_a_cashier_cannot(now, manager_actor, manager, cashier):
    voucher = issue(manager_actor)

    assert error_of(post(cashier.client(), f"/vouchers/{voucher.code}/cancel"), 403)["code"] == "role_forbidden"
    response = post(manager.client(), f"/vouchers/{voucher.code}/cancel", {"reason": "Printed by mistake"})

    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert Voucher.objects.get(pk=voucher.pk).cancel_reason == "Printed by mistake"


def test_redeem_records_the_location_asked_for(now, manager_actor, merchant):
    till = make_staff(merchant, Role.CASHIER)
    spot = LocationFactory(merchant=merchant)
    voucher = issue(manager_actor)

    response = post(till.client(), f"/vouchers/{voucher.code}/redeem", {"location_id": str(spot.pk)})

    assert response.status_code == 200
    assert Voucher.objects.get(pk=voucher.pk).redeemed_location == spot


def test_the_card_lists_its_usable_vouchers(now, manager_actor, cashier, card):
    active = issue(manager_actor, card=card, title="Active", validity=Validity(days=3))
    upcoming = issue(manager_actor, card=card, title="Next week", valid_from=now + timedelta(days=7))
    used = issue(manager_actor, card=card, title="Used")
    post(cashier.client(), f"/vouchers/{used.code}/redeem")
    soon_expired = issue(manager_actor, card=card, title="Today", validity=Validity(until=now.date()))
    CardFactory(program=card.program)  # someone else's vouchers do not leak in
    with frozen_at(soon_expired.expires_at):
        listed = get(cashier.client(), f"/cards/{card.number}").json()["vouchers"]

    assert [(v["title"], v["state"]) for v in listed] == [("Active", "active"), ("Next week", "issued")]
    assert listed[0]["code"] == active.code and listed[1]["code"] == upcoming.code
    assert all(v["card"] == card.number for v in listed)


def test_vouchers_appear_in_lookups_and_checkouts(now, manager_actor, cashier, merchant):
    card = CardFactory(program=ProgramFactory(merchant=merchant, goal=100))
    issue(manager_actor, card=card)

    lookup = get(cashier.client(), "/cards/lookup", q=card.number).json()["results"][0]
    checkout = post(
        cashier.client(),
        "/checkouts",
        {"card": card.number, "check": {"external_id": "P-1", "total": 100, "currency": "UAH"}},
    ).json()

    assert len(lookup["vouchers"]) == 1 and len(checkout["card"]["vouchers"]) == 1


def test_the_openapi_document_describes_the_voucher_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/vouchers", "/api/v1/vouchers/{code}", "/api/v1/vouchers/{code}/redeem"} <= set(paths)
    assert "/api/v1/vouchers/{code}/cancel" in paths and "/api/v1/vouchers/batches/{batch_id}/pdf" in paths
