"""The scanner API answers everything in JSON with a stable code, like the API v1."""

from urllib.parse import quote

import pytest

from tests.scanner.conftest import DeviceClient

pytestmark = pytest.mark.django_db


def test_schema_validation_is_a_422_with_the_fields(manual):
    _device, client = manual

    response = client.post("/scans", {"qr": 42})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert {f["field"] for f in response.json()["details"]["fields"]} >= {"scan_id"}


def test_an_unknown_path_is_a_json_404(manual):
    _device, client = manual

    response = client.get("/no/such/thing")

    assert response.status_code == 404
    assert response.json()["code"] == "endpoint_not_found"


def test_a_wrong_method_is_a_json_405(manual):
    _device, client = manual

    response = client.http.put("/scanner/api/device")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_errors_follow_the_accept_language(manual):
    english = DeviceClient(None).get("/device")
    ukrainian = DeviceClient(None, language="uk").get("/device")

    assert english.json()["code"] == ukrainian.json()["code"] == "device_unpaired"
    assert english.json()["message"].startswith("This device is no longer paired.")
    assert ukrainian.json()["message"].startswith("Цей пристрій більше не підключено.")


def test_the_openapi_document_describes_the_scanner_api(db):
    document = DeviceClient(None).get("/openapi.json")

    assert document.status_code == 200
    paths = document.json()["paths"]
    assert {"/scanner/api/login", "/scanner/api/devices", "/scanner/api/scans", "/scanner/api/cards/{ref}"} <= set(
        paths
    )


def test_the_merchant_side_is_part_of_the_api_v1_document(db):
    paths = DeviceClient(None).http.get("/api/v1/openapi.json").json()["paths"]

    assert {"/api/v1/scanner/devices", "/api/v1/scanner/alerts"} <= set(paths)


def test_the_app_may_log_out_without_a_body_and_url_encode_the_qr(manual, card):
    _device, client = manual

    assert client.get(f"/cards/{quote(card.qr_payload, safe='')}").json()["number"] == card.number
    assert client.http.delete("/scanner/api/device").status_code == 204
