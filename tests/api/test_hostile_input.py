"""Hostile input gets a clear 4xx in the documented shape, never a 500, and stores nothing: one class at a time, over
every operation of both OpenAPIs (walked from the published schemas) and every route of the site.

These run on both databases: PostgreSQL is the one that refuses a NUL in text, so the NUL tests matter most there.
"""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from stampcard.api.types import INT64_MAX, INT64_MIN
from stampcard.customers.models import Customer
from stampcard.merchants.models import Role
from stampcard.vouchers.models import Voucher
from tests.api.helpers import error_of
from tests.api.openapi_walk import Operation, body_with, operations
from tests.conftest import make_staff
from tests.factories import MembershipFactory, StaffUserFactory

OPERATIONS = operations()
WITH_BODY = [op for op in OPERATIONS if op.body_schema() is not None]


def _ids(op: Operation) -> str:
    return op.id


@pytest.fixture
def clients(merchant, location, program) -> dict[str, Client]:
    """The API v1 as its owner, the scanner API as a paired device."""
    from stampcard.scanner import services as scanner_services

    owner = make_staff(merchant, Role.OWNER)
    staff = MembershipFactory(merchant=merchant, user=StaffUserFactory(), role=Role.CASHIER)
    login = scanner_services.staff_login(email=staff.user.email, password="correct horse battery staple")
    _, token = scanner_services.device_pair(
        ticket=login.ticket, location_id=str(location.pk), name="Counter", mode="manual"
    )
    return {
        "api": Client(headers={"Authorization": f"Bearer {owner.raw_key}", "Accept-Language": "en"}),
        "scanner": Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}),
    }


def send(client: Client, op: Operation, url: str, body=None, content_type: str = "application/json"):
    data = body if isinstance(body, bytes | str) else json.dumps(body if body is not None else {})
    return client.generic(op.method.upper(), url, data=data, content_type=content_type)


def fields_of(response) -> set[str]:
    body = error_of(response, 422)
    assert body["code"] == "validation_error", body
    return {f["field"] for f in body["details"]["fields"]}


# --- NUL and other control characters: refused by the input guard, whatever the route ------------------------------


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.parameters("path")], ids=_ids)
def test_a_nul_in_any_path_segment_is_400(db, clients, op):
    response = send(clients[op.api], op, op.url(fill="ab%00cd"))
    body = error_of(response, 400)
    assert body["code"] == "invalid_characters"
    assert body["details"]["where"] == "path"


@pytest.mark.parametrize("op", OPERATIONS, ids=_ids)
def test_a_nul_in_the_query_string_is_400(db, clients, op):
    declared = [p["name"] for p in op.parameters("query")] or ["q"]
    response = send(clients[op.api], op, f"{op.url()}?{declared[0]}=a%00b")
    body = error_of(response, 400)
    assert body["code"] == "invalid_characters"
    assert body["details"] == {"where": "query", "field": declared[0]}


def _string_fields(op: Operation):
    return [(path, f) for path, f in op.body_fields() if f.get("type") == "string" and "enum" not in f]


@pytest.mark.parametrize("op", [op for op in WITH_BODY if _string_fields(op)], ids=_ids)
@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "\ud800"], ids=["nul", "escape", "lone-surrogate"])
def test_control_characters_in_any_json_text_field_are_400(db, clients, op, bad):
    for path, _ in _string_fields(op):
        response = send(clients[op.api], op, op.url(), body_with(path, bad))
        body = error_of(response, 400)
        assert body["code"] == "invalid_characters", (path, body)
        assert body["details"] == {"where": "body", "field": ".".join(path)}


def test_tabs_and_new_lines_are_text_not_control_characters(db, clients):
    response = clients["api"].post(
        "/api/v1/customers", {"name": "Olena\tK\r\nline two"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Customer.objects.get().name == "Olena K line two"  # the service folds whitespace


def test_a_nul_in_a_json_key_is_400(db, clients):
    response = clients["api"].post("/api/v1/customers", {"name": "Olena", "a\x00": 1}, content_type="application/json")
    assert error_of(response, 400)["code"] == "invalid_characters"


def test_a_nul_in_a_header_is_400_and_authenticates_nobody(db, clients):
    response = Client().get("/api/v1/merchant", headers={"Authorization": "Bearer sk_\x00abc"})
    body = error_of(response, 400)
    assert body["details"] == {"where": "header", "field": "Authorization"}


def test_a_nul_in_a_customer_name_is_400_and_stores_nothing(db, clients):
    response = clients["api"].post("/api/v1/customers", {"name": "Olena\x00"}, content_type="application/json")
    assert error_of(response, 400)["details"] == {"where": "body", "field": "name"}
    assert not Customer.objects.exists()


def test_a_nul_in_a_voucher_title_is_400_and_issues_nothing(db, clients):
    response = clients["api"].post("/api/v1/vouchers", {"title": "Free\x00"}, content_type="application/json")
    assert error_of(response, 400)["code"] == "invalid_characters"
    assert not Voucher.objects.exists()


def test_a_nul_in_the_scanner_login_email_is_400(db):
    response = Client().post("/scanner/api/login", {"email": "a\x00@b.c", "password": "x"}, "application/json")
    assert error_of(response, 400)["details"] == {"where": "body", "field": "email"}


# --- every page and route of the site: NUL in a path segment ---------------------------------------------------------


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(_routes(pattern, route))
        elif isinstance(pattern, URLPattern) and "<" in route:
            found.append(route)
    return found


SITE_ROUTES = [route for route in _routes(get_resolver()) if not route.startswith(("admin/", "api/v1/"))]


@pytest.mark.parametrize("route", SITE_ROUTES)
def test_a_nul_in_a_path_segment_of_any_page_is_400(db, route):
    path = "/" + "".join(
        "ab%00cd" if i % 2 else piece for i, piece in enumerate(route.replace(">", "<").split("<"))
    ).lstrip("^").rstrip("$")
    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert response.status_code == 400, (method, path, response.status_code)


def test_a_page_answers_in_plain_words_and_an_api_path_in_the_error_shape(db, program):
    page = Client().get(f"/j/%00{program.pk}")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/plain")
    apple = Client().post("/wallet/apple/v1/devices/%00/registrations/pass.x/1")
    assert error_of(apple, 400)["code"] == "invalid_characters"


def test_a_nul_in_the_apple_log_body_is_400_and_not_stored(db, caplog):
    response = Client().post("/wallet/apple/v1/log", {"logs": ["bad\x00line"]}, content_type="application/json")
    assert error_of(response, 400)["details"] == {"where": "body", "field": "logs.0"}


def test_a_nul_in_a_join_form_is_400_and_enrols_nobody(db, program):
    form = urlencode({"name": "Olena\x00", "terms": "on"})
    response = Client().post(f"/j/{program.pk}", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    # A multipart form is left to Django's forms, which refuse the NUL themselves.
    multipart = Client().post(f"/j/{program.pk}", {"name": "Olena\x00", "terms": "on"})
    assert multipart.status_code == 422
    assert not Customer.objects.exists()


def test_a_poisoned_session_cookie_is_ignored(db, program):
    client = Client()
    client.cookies["sessionid"] = "abc\x00defghijkl"
    client.cookies["csrftoken"] = "\x01"
    response = client.get(f"/j/{program.pk}")
    assert response.status_code in (200, 302, 404), response.status_code
    assert response.status_code < 500


# --- bodies over the limit ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", WITH_BODY, ids=_ids)
def test_a_body_over_the_limit_is_413(db, clients, op, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    response = send(clients[op.api], op, op.url(), json.dumps({"name": "x" * 5000}))
    body = error_of(response, 413)
    assert body["code"] == "payload_too_large"
    assert body["details"] == {"limit": 4096}


def test_a_page_body_over_the_limit_is_413(db, program, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    form = urlencode({"name": "x" * 5000, "terms": "on"})
    response = Client().post(f"/j/{program.pk}", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert not Customer.objects.exists()


# --- integers: strict and bounded ----------------------------------------------------------------------------------


def _integer_fields(op: Operation):
    fields = list(op.body_fields())
    numbers = {path for path, f in fields if f.get("type") == "number"}  # a percent may be 12.5: not integer-only
    return [(path, f) for path, f in fields if f.get("type") == "integer" and path not in numbers]


def test_every_integer_a_request_takes_is_bounded_within_64_bits():
    unbounded = []
    for op in OPERATIONS:
        fields = [(".".join(path), f) for path, f in _integer_fields(op)]
        fields += [
            (p["name"], p["schema"]) for p in op.spec.get("parameters", []) if p["schema"].get("type") == "integer"
        ]
        for name, field in fields:
            if not (
                field.get("minimum", INT64_MIN - 1) >= INT64_MIN and field.get("maximum", INT64_MAX + 1) <= INT64_MAX
            ):
                unbounded.append(f"{op.id} {name}")
    assert unbounded == []


@pytest.mark.parametrize("op", [op for op in WITH_BODY if _integer_fields(op)], ids=_ids)
@pytest.mark.parametrize(
    "bad",
    [True, 2**63, -(2**63) - 1, 1e30, "12", 12.5],
    ids=["bool", "past-int64", "below-int64", "1e30", "numeric-string", "fraction"],
)
def test_an_integer_field_refuses_booleans_huge_numbers_and_strings(db, clients, op, bad):
    for path, _ in _integer_fields(op):
        response = send(clients[op.api], op, op.url(), body_with(path, bad))
        name = ".".join(path)
        # A field of several types (a probability: a number or a text) names the refused type after its path.
        assert any(f == name or f.startswith(name + ".") for f in fields_of(response)), (path, response.json())


@pytest.mark.parametrize("value", [str(2**63), str(10**30), "-1", "1e3"])
def test_a_huge_offset_or_limit_is_422(db, clients, value):
    for name in ("offset", "limit"):
        response = clients["api"].get("/api/v1/insert-batches", {name: value})
        assert name in fields_of(response)


def test_a_check_total_of_true_is_not_one_stamp(db, clients, card):
    body = {"card": card.number, "check": {"external_id": "T-1", "total": True, "currency": "UAH"}}
    response = clients["api"].post("/api/v1/checkouts", body, content_type="application/json")
    assert fields_of(response) == {"check.total"}
    assert card.events.count() == 0


# --- objects: where a request takes an object, only a JSON object will do ----------------------------------------


def _object_fields(op: Operation):
    return [(path, f) for path, f in op.body_fields() if f.get("type") == "object" or "properties" in f]


@pytest.mark.parametrize("op", WITH_BODY, ids=_ids)
@pytest.mark.parametrize("bad", ["free coffee", 30, [{"days": 30}]], ids=["text", "number", "list"])
def test_a_text_a_number_or_a_list_where_an_object_belongs_is_422(db, clients, op, bad):
    # ninja's Schema would read any value through its attributes: an object whose fields all have defaults would
    # pass with every field at its default (stampcard.api.schemas.RequestSchema).
    whole = send(clients[op.api], op, op.url(), json.dumps(bad))
    assert error_of(whole, 422)["code"] == "validation_error", whole.json()
    for path, _ in _object_fields(op):
        response = send(clients[op.api], op, op.url(), body_with(path, bad))
        name = ".".join(path)
        assert any(f == name or f.startswith(name + ".") for f in fields_of(response)), (path, response.json())


def test_an_optional_body_that_is_no_object_is_422_and_redeems_nothing(db, clients):
    voucher = clients["api"].post("/api/v1/vouchers", {"title": "Free cake"}, content_type="application/json")
    code = voucher.json()["vouchers"][0]["code"]
    response = clients["api"].post(f"/api/v1/vouchers/{code}/redeem", '"P-1"', content_type="application/json")
    assert fields_of(response) == {"body"}
    assert Voucher.objects.get(code=code).state == "active"


def test_a_validity_given_as_text_is_422_not_a_voucher_valid_forever(db, clients):
    response = clients["api"].post(
        "/api/v1/vouchers", {"title": "Cake", "validity": "30 days"}, content_type="application/json"
    )
    body = error_of(response, 422)
    assert body["details"]["fields"] == [{"field": "validity", "problem": "This must be a JSON object."}]
    assert not Voucher.objects.exists()


def test_a_body_that_is_a_text_is_not_read_through_its_methods(db, clients):
    # "free coffee".title() and .count() would otherwise fill the voucher's title and count.
    response = clients["api"].post("/api/v1/vouchers", '"free coffee"', content_type="application/json")
    assert error_of(response, 422)["details"]["fields"] == [{"field": "body", "problem": "This must be a JSON object."}]
    assert not Voucher.objects.exists()


# --- days and moments: nothing past 2100 ---------------------------------------------------------------------------


# A birthday is checked by the enrolment itself (none in the future: 422 invalid_birthday), see below.
SERVICE_CHECKED_DAYS = {("POST /api/v1/customers", ("birthday",))}


def _day_fields(op: Operation):
    return [
        (path, f)
        for path, f in op.body_fields()
        if f.get("format") in ("date", "date-time") and (op.id, path) not in SERVICE_CHECKED_DAYS
    ]


@pytest.mark.parametrize("op", [op for op in WITH_BODY if _day_fields(op)], ids=_ids)
def test_a_day_far_in_the_future_is_422(db, clients, op):
    for path, field in _day_fields(op):
        far = "9999-12-31" if field["format"] == "date" else "9999-12-31T23:59:59+00:00"
        response = send(clients[op.api], op, op.url(), body_with(path, far))
        assert ".".join(path) in fields_of(response), path


def test_a_birthday_in_the_year_9999_is_422(db, clients):
    response = clients["api"].post(
        "/api/v1/customers", {"name": "Olena", "birthday": "9999-12-31"}, content_type="application/json"
    )
    assert error_of(response, 422)["code"] == "invalid_birthday"
    assert not Customer.objects.exists()


def test_a_voucher_valid_until_the_year_9999_is_422_and_issues_nothing(db, clients):
    body = {"title": "Forever", "validity": {"until": "9999-12-31"}}
    response = clients["api"].post("/api/v1/vouchers", body, content_type="application/json")
    assert "validity.until" in fields_of(response)
    assert not Voucher.objects.exists()


def test_a_lottery_voucher_prize_valid_until_the_year_9999_is_422(db, clients):
    variants = [
        {"kind": "voucher", "name": "Cake", "probability": 50, "voucher": {"validity": {"until": "9999-12-31"}}},
        {"kind": "nothing", "name": "Next time", "probability": 50},
    ]
    response = clients["api"].post(
        "/api/v1/lotteries", {"name": "Spin", "variants": variants}, content_type="application/json"
    )
    assert error_of(response, 422)["code"] == "lottery_invalid"
    assert "variants.0.voucher.validity" in {f["field"] for f in response.json()["details"]["fields"]}


def test_a_lottery_probability_with_a_huge_exponent_is_422_at_once(db, clients):
    variants = [{"kind": "nothing", "name": "Next time", "probability": "1e999999999"}]
    response = clients["api"].post(
        "/api/v1/lotteries", {"name": "Spin", "variants": variants}, content_type="application/json"
    )
    assert error_of(response, 422)["details"]["fields"][0]["field"] == "variants.0.probability"


# --- text: every field has a length the database can hold ---------------------------------------------------------


def test_every_text_field_a_request_takes_has_a_maximum_length():
    unbounded = []
    for op in OPERATIONS:
        fields = [(".".join(path), f) for path, f in _string_fields(op)]
        fields += [
            (p["name"], p["schema"])
            for p in op.parameters("query")
            if p["schema"].get("type") == "string" and "enum" not in p["schema"]
        ]
        unbounded += [
            f"{op.id} {name}"
            for name, f in fields
            if "maxLength" not in f and f.get("format") not in ("uuid", "date", "date-time")
        ]
    assert unbounded == []


@pytest.mark.parametrize("op", [op for op in WITH_BODY if _string_fields(op)], ids=_ids)
def test_a_text_longer_than_its_field_is_422(db, clients, op):
    for path, field in _string_fields(op):
        if "maxLength" in field:
            response = send(clients[op.api], op, op.url(), body_with(path, "x" * (field["maxLength"] + 1)))
            # A union-typed field (e.g. a probability as number or text) reports each branch under its own suffix.
            field = ".".join(path)
            assert any(name == field or name.startswith(field + ".") for name in fields_of(response)), path


def test_a_scan_id_that_is_no_uuid_is_422(db, clients, card):
    response = clients["scanner"].post(
        f"/scanner/api/cards/{card.qr_payload}/stamps", {"scan_id": "x" * 10}, content_type="application/json"
    )
    assert "scan_id" in fields_of(response)
