"""Property-based tests of both OpenAPIs with schemathesis: for every operation of the POS API v1 and of the scanner
app's API, generated requests (valid and invalid, with a fixed seed and a bounded number of examples) never get a
5xx, and every answer matches the status codes, media types and response schemas the OpenAPI documents.

The apps are called in-process through Django's WSGI handler, inside the test's database transaction, as the owner
(API v1) or a paired manual-mode device (scanner API). Half the generated cases have their ids replaced by real ones
(a card with stamps and a ready reward, a committed check, vouchers and their batch, a lottery and a draw, a receipt
claim, an insert batch, the device), so requests reach past "not found" into the services.
"""

import json
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stampcard.cards.models import Card
from stampcard.merchants.models import Role
from stampcard.rewards.models import Reward
from stampcard.scanner import services as scanner_services
from tests.conftest import make_staff
from tests.factories import MembershipFactory, StaffUserFactory

SEED = 20261205
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": 12, "deterministic": True, "database": "none"},
    }
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

APP = WSGIHandler()
POS_API = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=CONFIG)
SCANNER_API = schemathesis.openapi.from_wsgi("/scanner/api/openapi.json", APP, config=CONFIG)

HYPOTHESIS = settings(
    suppress_health_check=list(HealthCheck),
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=12,
)


@contextmanager
def kept_connection():
    """Keep the test's connection (and its transaction) across the request, as Django's test client does: the WSGI
    handler would otherwise close it at the start and end of the request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def world(db, merchant, location, program) -> dict[str, Any]:
    """Real ids of each kind an operation names, and the credentials of both APIs."""
    owner = make_staff(merchant, Role.OWNER, location)
    staff = MembershipFactory(merchant=merchant, user=StaffUserFactory(), role=Role.CASHIER)
    login = scanner_services.staff_login(email=staff.user.email, password="correct horse battery staple")
    device, token = scanner_services.device_pair(
        ticket=login.ticket, location_id=str(location.pk), name="Counter", mode="manual"
    )
    api = Client(headers={"Authorization": f"Bearer {owner.raw_key}"})

    def post(path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        return _ok(api.post("/api/v1" + path, json.dumps(body), content_type="application/json"), status)

    enrolled = post("/customers", {"name": "Olena K"}, 201)["card"]
    card = Card.objects.get(number=enrolled["number"], merchant=merchant)
    checkout = {"card": card.number, "check": {"external_id": "P-1", "total": 12550, "currency": "UAH"}}
    post("/checkouts", checkout)
    post(f"/cards/{card.number}/adjustments", {"delta": program.goal, "reason": "fixture"})
    reward = Reward.objects.filter(card=card).first()
    vouchers = post("/vouchers", {"title": "Free cake", "count": 2, "batch_name": "Flyers"}, 201)
    lottery = post(
        "/lotteries",
        {
            "name": "Wheel",
            "variants": [
                {"kind": "award", "name": "Cake", "probability": 50},
                {"kind": "nothing", "name": "Next time", "probability": 50},
            ],
        },
        201,
    )
    receipt = post("/receipts", {"check": {"external_id": "R-1", "total": 9000, "currency": "UAH"}}, 201)
    inserts = post("/insert-batches", {"name": "Glovo", "count": 2}, 201)
    return {
        "headers": {
            "api": {"Authorization": f"Bearer {owner.raw_key}"},
            "scanner": {"Authorization": f"Bearer {token}"},
        },
        "path": {
            "number": card.number,
            "ref": card.qr_payload,
            "external_id": "P-1",
            "reward_id": str(reward.pk) if reward else "",
            "code": vouchers["vouchers"][0]["code"],
            "batch_id": vouchers["batch"]["id"],
            "lottery_id": lottery["id"],
            "device_id": str(device.pk),
            "receipt_ref": receipt["code"],
            "insert_batch_id": inserts["id"],
        },
        "body": {
            "card": card.number,
            "program_id": str(program.pk),
            "location_id": str(location.pk),
        },
        "qr": card.qr_payload,
    }


def _with_real_ids(case, world: dict[str, Any], api: str) -> None:
    real = dict(world["path"])
    if case.path.startswith("/api/v1/receipts"):
        real["ref"] = real["receipt_ref"]
    if case.path.startswith("/api/v1/insert-batches"):
        real["batch_id"] = real["insert_batch_id"]
    for name in case.path_parameters or {}:
        if name in real:
            case.path_parameters[name] = real[name]
    if isinstance(case.body, dict):
        for name, value in world["body"].items():
            if name in case.body:
                case.body[name] = world["qr"] if api == "scanner" and name == "card" else value
        if api == "scanner" and "qr" in case.body:
            case.body["qr"] = world["qr"]


def _run(case, world: dict[str, Any], api: str, real_ids: bool) -> None:
    if real_ids:
        _with_real_ids(case, world, api)
    with kept_connection():
        case.call_and_validate(headers=world["headers"][api], checks=CHECKS, app=APP)


@POS_API.parametrize()
@POS_API.given(real_ids=st.booleans())
@HYPOTHESIS
def test_the_pos_api_never_fails_and_answers_as_documented(case, real_ids, world):
    _run(case, world, "api", real_ids)


@SCANNER_API.parametrize()
@SCANNER_API.given(real_ids=st.booleans())
@HYPOTHESIS
def test_the_scanner_api_never_fails_and_answers_as_documented(case, real_ids, world):
    _run(case, world, "scanner", real_ids)
