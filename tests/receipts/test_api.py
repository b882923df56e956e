"""POST /api/v1/receipts and the claim's state and void routes, as a POS integration sees them."""

import base64
import io
from datetime import timedelta

import pytest
from PIL import Image

from stampcard.cards.models import Check, EarningRule
from stampcard.core import clock
from stampcard.core.codes import CROCKFORD32
from stampcard.receipts import tokens
from stampcard.receipts.models import ReceiptToken
from tests.api.helpers import checkout_body, error_of, get, post
from tests.conftest import make_staff
from tests.factories import CardFactory, LocationFactory, MerchantFactory, ProgramFactory
from tests.receipts.conftest import check_body

pytestmark = pytest.mark.django_db


def test_a_closed_check_gets_a_claim_with_its_qr_and_the_stamps_it_gives(cashier, program, settings):
    settings.BASE_URL = "https://loyalty.example.com"
    before = clock.now()

    response = post(cashier.client(), "/receipts", check_body(external_id="P-10494", total=12550))

    assert response.status_code == 201, response.content
    body = response.json()
    token = body["token"]
    assert len(token) == 22 and tokens.looks_like_token(token)  # 16 random-looking bytes, URL-safe
    assert len(body["code"]) == 8 and set(body["code"]) <= set(CROCKFORD32)
    assert body["claim_url"] == f"https://loyalty.example.com/r/{token}"
    assert body["urls"] == {
        "page": body["claim_url"],
        "qr_svg": f"https://loyalty.example.com/r/{token}/qr.svg",
        "qr_png_58": f"https://loyalty.example.com/r/{token}/qr-58.png",
        "qr_png_80": f"https://loyalty.example.com/r/{token}/qr-80.png",
    }
    assert body["qr_svg"].startswith("<svg") and "viewBox" in body["qr_svg"]
    assert body["qr_png"].startswith("data:image/png;base64,")
    png = Image.open(io.BytesIO(base64.b64decode(body["qr_png"].split(",", 1)[1])))
    assert (png.mode, png.width) == ("1", 384)
    assert body["state"] == "open" and body["stamps"] == 1 and body["replayed"] is False
    assert body["check"] == {
        "pos": "api",
        "external_id": "P-10494",
        "total": 12550,
        "currency": "UAH",
        "closed_at": None,
        "state": None,
    }
    assert body["program_id"] == str(program.pk) and body["location_id"] == str(cashier.location.pk)
    claim = ReceiptToken.objects.get()
    assert claim.token_hash == tokens.token_hash(token) and token not in claim.token_hash  # only the hash is kept
    assert before + timedelta(days=14) <= claim.expires_at <= clock.now() + timedelta(days=14)
    assert claim.created_by == cashier.membership.user and claim.api_key == cashier.api_key


def test_asking_again_for_the_same_check_returns_the_same_claim(cashier, program):
    first = post(cashier.client(), "/receipts", check_body(external_id="P-1")).json()

    again = post(cashier.client(), "/receipts", check_body(external_id="P-1", total=99999))

    assert again.status_code == 201
    body = again.json()
    assert (body["token"], body["code"], body["replayed"]) == (first["token"], first["code"], True)
    assert body["check"]["total"] == 12550  # a reprint gives nothing more, whatever it says now
    assert ReceiptToken.objects.count() == 1


def test_the_same_external_id_from_another_pos_is_another_check(cashier, program):
    first = post(cashier.client(), "/receipts", check_body(external_id="P-1")).json()
    other = post(cashier.client(), "/receipts", check_body(external_id="P-1", pos="poster")).json()

    assert other["token"] != first["token"] and other["replayed"] is False


def test_an_idempotency_key_replays_the_first_response(cashier, program):
    body = check_body(external_id="P-7")
    first = post(cashier.client(), "/receipts", body, **{"Idempotency-Key": "k-1"})
    second = post(cashier.client(), "/receipts", body, **{"Idempotency-Key": "k-1"})

    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert second.content == first.content


def test_a_check_already_stamped_at_the_counter_gets_no_claim(cashier, program):
    card = CardFactory(program=program)
    assert post(cashier.client(), "/checkouts", checkout_body(card, external_id="P-9")).status_code == 200

    error = error_of(post(cashier.client(), "/receipts", check_body(external_id="P-9")), 409)

    assert error["code"] == "check_already_stamped"
    assert not ReceiptToken.objects.exists()


@pytest.mark.parametrize(
    ("check", "status", "code"),
    [
        ({"currency": "EUR"}, 422, "currency_mismatch"),
        ({"total": -1}, 422, "validation_error"),
        ({"external_id": ""}, 422, "validation_error"),
        ({"external_id": "x" * 65}, 422, "validation_error"),
        ({"currency": "UAHX"}, 422, "validation_error"),
    ],
)
def test_a_bad_check_is_refused_like_a_checkout(cashier, program, check, status, code):
    body = check_body(**check)

    error = error_of(post(cashier.client(), "/receipts", body), status)

    assert error["code"] == code
    assert not ReceiptToken.objects.exists()


def test_a_check_below_the_minimum_earns_nothing_and_gets_no_claim(cashier, program):
    program.min_check_total = 5000
    program.save()

    error = error_of(post(cashier.client(), "/receipts", check_body(total=4999)), 422)

    assert error["code"] == "check_earns_no_stamps"
    assert error["details"]["min_check_total"] == 5000


def test_a_per_amount_program_quotes_the_stamps_of_the_total(cashier, merchant):
    program = ProgramFactory(
        merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000, max_stamps_per_check=3
    )

    quoted = [post(cashier.client(), "/receipts", check_body(total=total)).json()["stamps"] for total in (12550, 50000)]

    assert quoted == [2, 3]  # 125.50 / 50.00 = 2; 500.00 would be 10, capped at 3
    assert ReceiptToken.objects.filter(program=program).count() == 2


def test_a_named_program_and_location_are_used(owner, merchant):
    other = ProgramFactory(merchant=merchant, is_default=False, name="Tea card")
    spot = LocationFactory(merchant=merchant)

    body = post(owner.client(), "/receipts", check_body(program_id=str(other.pk), location_id=str(spot.pk))).json()

    assert body["program_id"] == str(other.pk) and body["location_id"] == str(spot.pk)


def test_another_merchants_program_or_location_is_not_found(cashier, owner, program):
    stranger = MerchantFactory()
    foreign_program = ProgramFactory(merchant=stranger)

    error = error_of(post(owner.client(), "/receipts", check_body(program_id=str(foreign_program.pk))), 404)
    assert error["code"] == "program_not_found"
    foreign_spot = LocationFactory(merchant=stranger)
    error_of(post(owner.client(), "/receipts", check_body(location_id=str(foreign_spot.pk))), 404)


def test_no_key_no_claim(client, program):
    assert error_of(post(client, "/receipts", check_body()), 401)["code"] == "not_authenticated"


def test_the_claim_is_found_by_its_token_or_its_printed_code(cashier, program):
    created = post(cashier.client(), "/receipts", check_body(external_id="P-5")).json()
    code = created["code"]

    by_token = get(cashier.client(), f"/receipts/{created['token']}")
    typed = f"{code[:4].lower()}-{code[4:]}".replace("0", "o")  # as a person types it from paper

    assert by_token.status_code == 200 and by_token.json()["state"] == "open"
    assert by_token.json()["token"] == created["token"]
    assert get(cashier.client(), f"/receipts/{typed}").json()["token"] == created["token"]


def test_another_merchants_claim_is_not_found(cashier, program):
    created = post(cashier.client(), "/receipts", check_body()).json()
    stranger_program = ProgramFactory()
    stranger = make_staff(stranger_program.merchant, cashier.membership.role)

    for ref in (created["token"], created["code"], "not-a-ref"):
        assert error_of(get(stranger.client(), f"/receipts/{ref}"), 404)["code"] == "receipt_not_found"


def test_an_expired_claim_reads_expired(cashier, program):
    created = post(cashier.client(), "/receipts", check_body()).json()
    claim = ReceiptToken.objects.get()

    with clock.frozen_at(claim.expires_at):
        assert get(cashier.client(), f"/receipts/{created['code']}").json()["state"] == "expired"


def test_voiding_an_unused_claim_makes_it_void(cashier, program):
    created = post(cashier.client(), "/receipts", check_body()).json()

    response = post(cashier.client(), f"/receipts/{created['code']}/void", {"reason": "refused"})

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["void_reason"]) == ("void", "refused") and body["voided_at"]
    again = post(cashier.client(), f"/receipts/{created['token']}/void", {"reason": "cancelled"}).json()
    assert (again["state"], again["void_reason"], again["voided_at"]) == ("void", "refused", body["voided_at"])


def test_a_void_needs_a_known_reason(cashier, program):
    created = post(cashier.client(), "/receipts", check_body()).json()

    error = error_of(post(cashier.client(), f"/receipts/{created['code']}/void", {"reason": "because"}), 422)

    assert error["code"] == "validation_error"
    assert ReceiptToken.objects.get().voided_at is None


def test_a_collected_claim_cannot_be_voided(cashier, program, print_claim):
    from stampcard.receipts.services import receipt_collect

    created = print_claim()
    card = CardFactory(program=program)
    receipt_collect(claim_id=created.claim.pk, card=card)

    error = error_of(post(cashier.client(), f"/receipts/{created.claim.code}/void", {"reason": "refused"}), 409)

    assert error["code"] == "receipt_already_claimed"
    claimed = get(cashier.client(), f"/receipts/{created.token}").json()
    assert (claimed["state"], claimed["card"], claimed["check"]["state"]) == ("claimed", card.number, "committed")
    assert Check.objects.get().external_id == created.claim.external_id


def test_the_openapi_documents_the_receipt_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"/api/v1/receipts", "/api/v1/receipts/{ref}", "/api/v1/receipts/{ref}/void"} <= set(paths)
