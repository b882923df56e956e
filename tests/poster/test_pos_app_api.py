"""The POS app's unsigned helpers: GET /api/v1/poster/app (the program it serves) and POST /poster/print/qr."""

import pytest
import segno

from stampcard.cards.models import StampingMode
from stampcard.poster.pos_app.qr_text import FULL, LOWER, MARGIN, UPPER

pytestmark = pytest.mark.django_db


def test_the_app_learns_the_programs_stamping_mode_and_rule(cashier, program):
    program.stamping_mode = StampingMode.RECEIPT_QR
    program.save(update_fields=["stamping_mode"])

    body = cashier.client().get("/api/v1/poster/app").json()

    assert body["currency"] == cashier.merchant.currency
    assert body["program"]["id"] == str(program.pk)
    assert body["program"]["stamping_mode"] == "receipt_qr"
    assert (body["program"]["goal"], body["program"]["earning_rule"]) == (8, "per_receipt")


def test_a_business_without_a_program_yet_still_connects(cashier):
    body = cashier.client().get("/api/v1/poster/app").json()
    assert body == {"currency": cashier.merchant.currency, "program": None}


def test_the_app_config_needs_a_valid_key(program):
    from django.test import Client

    response = Client(headers={"Authorization": "Bearer sc_nope"}).get("/api/v1/poster/app")
    assert response.status_code == 401


def _modules(lines: list[str], width: int) -> list[list[int]]:
    """Read the half-block drawing back into rows of modules."""
    rows = []
    for line in lines:
        line = line.ljust(width)
        rows.append([1 if ch in (FULL, UPPER) else 0 for ch in line])
        rows.append([1 if ch in (FULL, LOWER) else 0 for ch in line])
    return rows


def test_a_claim_url_is_drawn_as_the_same_qr_in_characters(cashier):
    url = "https://loyalty.example.com/r/8407QeYzFe7SIT7Dy9bvOQ"

    body = cashier.client().post("/api/v1/poster/print/qr", {"data": url, "columns": 48}, "application/json").json()

    assert body["error"] == "M"
    expected = [list(row) for row in segno.make_qr(url, error="m").matrix_iter(scale=1, border=MARGIN)]
    assert body["columns"] == len(expected[0]) <= 48
    drawn = _modules(body["lines"], body["columns"])[: len(expected)]
    assert drawn == [[int(bool(m)) for m in row] for row in expected]


def test_a_58mm_line_gets_the_lower_error_correction_when_only_that_fits(cashier):
    url = "https://loyalty.example.com/r/8407QeYzFe7SIT7Dy9bvOQ"

    body = cashier.client().post("/api/v1/poster/print/qr", {"data": url, "columns": 32}, "application/json").json()

    assert body["error"] == "L"
    assert body["columns"] <= 32
    assert all(len(line) <= 32 for line in body["lines"])


def test_data_too_long_for_the_line_gives_no_drawing(cashier):
    body = (
        cashier.client().post("/api/v1/poster/print/qr", {"data": "x" * 300, "columns": 32}, "application/json").json()
    )
    assert body == {"lines": [], "columns": 0, "error": None}
