"""Property-based tests of both OpenAPIs with schemathesis: for every operation of the POS API v1 and of the scanner
app's API, generated requests (valid and invalid, from a fixed seed, a bounded number per operation) never get a
5xx, and every answer has a status code, a media type and a body that the OpenAPI documents for it.

One merchant world is built once for the module: a card with stamps, a ready award and a ready lottery spin, a
committed check, vouchers and their batch, a lottery and a draw, a receipt claim, an insert batch, a manual and a
kiosk scanner device, an abuse alert. Every case runs in a savepoint that is rolled back after it, so each one meets
the same world: a case that unpairs the device or redeems the voucher does not starve the ones after it.

Each case also draws who calls (the owner's or a cashier's API key; the manual or the kiosk device) and whether its
ids are replaced by the world's real ones, so about half the requests get past "not found" into the services. The
ids are replaced in the test body rather than by schemathesis hooks: hooks are registered when the module is
imported, and the world exists only once its fixture has run.

The apps are called in-process through Django's WSGI handler, inside the test's database transaction. For a deeper
run than ``make test`` affords: ``FUZZ_EXAMPLES=200 pytest tests/api/test_openapi_fuzz.py``.
"""

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stampcard.campaigns.messages import services as messages_services
from stampcard.campaigns.webhooks.models import WebhookDelivery
from stampcard.cards.imports import jobs as import_jobs
from stampcard.cards.models import Card
from stampcard.core import clock
from stampcard.lottery.models import Lottery
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from stampcard.rewards.models import Reward
from stampcard.scanner import services as scanner_services
from stampcard.scanner.models import AbuseAlert, AlertKind
from tests.conftest import make_staff
from tests.factories import LocationFactory, MerchantFactory, ProgramFactory
from tests.lottery.helpers import lottery_reward, spin
from tests.scanner.conftest import PASSWORD, staff_member

SEED = 20261205
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))  # per operation

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The world's keys and tokens are sent; random ones would only meet the 401 that tests/api covers.
            "with-security-parameters": False,
        },
        # Fuzzing only: the coverage phase walks every boundary of every parameter, however many that makes (and
        # schemathesis skips it anyway for a test with ``given`` arguments of its own).
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HYPOTHESIS = settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)

APP = WSGIHandler()
POS_API = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=CONFIG)
SCANNER_API = schemathesis.openapi.from_wsgi("/scanner/api/openapi.json", APP, config=CONFIG)

# What the input guard refuses with 400 invalid_characters before any view runs (tests/api/test_hostile_input.py
# covers it for every operation): it is taken out of generated text, or a third of the cases would stop there.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")

# Path parameters whose name two kinds of object share: (a part of the operation's path, parameter) -> world key.
_SHARED_NAMES = {
    ("/draw", "reward_id"): "lottery_reward_id",
    ("/insert-batches/", "batch_id"): "insert_batch_id",
}


@contextmanager
def rolled_back() -> Iterator[None]:
    """An atomic block (a savepoint when nested) that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def kept_connection() -> Iterator[None]:
    """Keep the test's connection (and its transaction) across the request, as Django's test client does: the WSGI
    handler would otherwise close it at the start and end of the request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _build_world() -> dict[str, Any]:
    """Real ids of each kind an operation names, and the credentials of both APIs."""
    merchant = MerchantFactory()
    location = LocationFactory(merchant=merchant)
    program = ProgramFactory(merchant=merchant)
    owner = make_staff(merchant, Role.OWNER)
    cashier = make_staff(merchant, Role.CASHIER, location)
    staff = staff_member(merchant)
    devices = {}
    for mode in ("manual", "kiosk"):
        login = scanner_services.staff_login(email=staff.user.email, password=PASSWORD)
        devices[mode] = scanner_services.device_pair(
            ticket=login.ticket, location_id=str(location.pk), name=mode.title(), mode=mode
        )
    ticket = scanner_services.staff_login(email=staff.user.email, password=PASSWORD).ticket
    api = Client(headers={"Authorization": f"Bearer {owner.raw_key}"})

    def post(path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = api.post("/api/v1" + path, json.dumps(body), content_type="application/json")
        assert response.status_code == status, response.content
        return response.json()

    number = post("/customers", {"name": "Olena K"}, 201)["card"]["number"]
    card = Card.objects.get(merchant=merchant, number=number)
    check = {"external_id": "P-1", "total": 12550, "currency": "UAH"}
    post("/checkouts", {"card": number, "check": check, "location_id": str(location.pk)})
    post(f"/cards/{number}/adjustments", {"delta": program.goal, "reason": "fixture"})
    award = Reward.objects.get(card=card, kind="award", state="ready")
    vouchers = post("/vouchers", {"title": "Free cake", "count": 2, "batch_name": "Flyers"}, 201)
    variants = [
        {"kind": "award", "name": "Cake", "probability": 50},
        {"kind": "nothing", "name": "Next time", "probability": 50},
    ]
    wheel = Lottery.objects.get(
        merchant=merchant, pk=post("/lotteries", {"name": "Wheel", "variants": variants}, 201)["id"]
    )
    draw, *_ = spin(Actor.system(merchant), card, wheel)
    ready_spin = lottery_reward(card, wheel)
    receipt = post("/receipts", {"check": {**check, "external_id": "R-1"}, "location_id": str(location.pk)}, 201)
    inserts = post("/insert-batches", {"name": "Glovo", "count": 2, "location_id": str(location.pk)}, 201)
    # An IP literal: registered without a DNS lookup; nothing is ever sent (no worker runs here).
    webhook = post("/webhooks/endpoints", {"url": "https://93.184.216.34/hooks", "events": ["stamp.added"]}, 201)
    campaign = post(
        "/campaigns",
        {"name": "Fuzz", "channels": ["email"], "parts": {"en": {"subject": "Hello", "text": "Come by"}}},
        201,
    )
    delivery = WebhookDelivery.objects.create(
        merchant=merchant,
        endpoint_id=webhook["id"],
        event="stamp.added",
        event_key="fuzz:1",
        event_id=uuid.uuid4(),
        body="{}",
        window_started_at=clock.now(),
        state="failed",
    )
    message = messages_services.message_create(
        actor=Actor.system(merchant), channels=["email"], parts={"en": {"subject": "Fuzz", "text": "Hello"}}
    )
    messages_services.message_recipients_add(message=message, cards=[card])
    alert = AbuseAlert.objects.create(
        merchant=merchant,
        kind=AlertKind.REPEATED_REFUSALS,
        card=card,
        day=clock.now().date(),
        location=location,
        device=devices["kiosk"][0],
        details={"refusals": 5, "threshold": 5, "codes": {"visit_window": 5}},
    )
    csv_import = import_jobs.import_job_create(
        actor=owner.actor(), program_id=program.pk, file_name="fuzz.csv", data=b"Name;Stamps\nOlena;2\n"
    )

    common = {
        "number": card.number,
        "code": vouchers["vouchers"][0]["code"],
        "reward_id": str(award.pk),
        "lottery_reward_id": str(ready_spin.pk),
    }
    return {
        "auth": {
            "owner": f"Bearer {owner.raw_key}",
            "cashier": f"Bearer {cashier.raw_key}",
            "manual": f"Bearer {devices['manual'][1]}",
            "kiosk": f"Bearer {devices['kiosk'][1]}",
        },
        "path": {
            "api": {
                **common,
                "ref": receipt["code"],
                "external_id": "P-1",
                "batch_id": vouchers["batch"]["id"],
                "insert_batch_id": inserts["id"],
                "lottery_id": str(wheel.pk),
                "draw_id": str(draw.pk),
                "device_id": str(devices["manual"][0].pk),
                "alert_id": str(alert.pk),
                "customer_id": str(card.customer_id),
                "import_id": str(csv_import.pk),
                "endpoint_id": webhook["id"],
                "delivery_id": str(delivery.pk),
                "message_id": str(message.pk),
                "campaign_id": campaign["id"],
                "program_id": str(program.pk),
                "kind": "birthday",
            },
            "scanner": {**common, "ref": card.qr_payload},
        },
        # Fields at the top of a JSON object body.
        "body": {
            "api": {"card": card.number, "program_id": str(program.pk), "location_id": str(location.pk)},
            "scanner": {
                "card": card.qr_payload,
                "qr": card.qr_payload,
                "location_id": str(location.pk),
                "ticket": ticket,
                "email": staff.user.email,
                "password": PASSWORD,
            },
        },
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """One world for every case of the module, rolled back when the module is done (each test's own transaction
    nests in it as a savepoint)."""
    with django_db_blocker.unblock(), rolled_back():
        yield _build_world()


def _printable(value: Any) -> Any:
    # Replaced rather than dropped: a path parameter of nothing but control characters must not become empty, or
    # the URL would collapse onto another route.
    if isinstance(value, str):
        return _CONTROL.sub("?", value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def _without_control_characters(case) -> None:
    for part in ("query", "headers", "body"):
        setattr(case, part, _printable(getattr(case, part)))
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, str) and _CONTROL.search(unquote(value)):  # generated percent-encoded
            case.path_parameters[name] = quote(_printable(unquote(value)), safe="")


def _with_real_ids(case, world: dict[str, Any], api: str) -> None:
    ids, fields = world["path"][api], world["body"][api]
    for name in case.path_parameters or {}:
        key = next((k for (part, p), k in _SHARED_NAMES.items() if p == name and part in case.path), name)
        if key in ids:
            case.path_parameters[name] = ids[key]
    if isinstance(case.body, dict):
        for name in case.body.keys() & fields.keys():
            case.body[name] = fields[name]


def _run(case, world: dict[str, Any], api: str, caller: str, real_ids: bool) -> None:
    _without_control_characters(case)
    if real_ids:
        _with_real_ids(case, world, api)
    with rolled_back(), kept_connection():
        case.call_and_validate(headers={"Authorization": world["auth"][caller]}, checks=CHECKS, app=APP)


@POS_API.parametrize()
@POS_API.given(caller=st.sampled_from(["owner", "cashier"]), real_ids=st.booleans())
@HYPOTHESIS
def test_the_pos_api_never_fails_and_answers_as_documented(case, caller, real_ids, world, db):
    _run(case, world, "api", caller, real_ids)


@SCANNER_API.parametrize()
@SCANNER_API.given(caller=st.sampled_from(["manual", "kiosk"]), real_ids=st.booleans())
@HYPOTHESIS
def test_the_scanner_api_never_fails_and_answers_as_documented(case, caller, real_ids, world, db):
    _run(case, world, "scanner", caller, real_ids)


@pytest.mark.parametrize(
    ("schema", "api", "caller"), [(POS_API, "api", "owner"), (SCANNER_API, "scanner", "manual")], ids=["api", "scanner"]
)
def test_the_real_ids_find_what_they_name(world, db, schema, api, caller):
    """Every read that names an object finds it once its ids are the world's: else the cases above would all stop
    at "not found" and prove little."""
    reads = [op for op in schema.get_all_operations() if op.ok().method == "get" and op.ok().path_parameters]
    assert reads
    for result in reads:
        operation = result.ok()
        case = operation.Case(path_parameters={p.name: "x" for p in operation.path_parameters})
        _with_real_ids(case, world, api)
        with rolled_back(), kept_connection():
            response = case.call(headers={"Authorization": world["auth"][caller]}, app=APP)
        assert response.status_code == 200, (operation.label, response.status_code, response.text[:200])
