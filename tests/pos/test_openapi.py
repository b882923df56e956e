"""The API describes itself: OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/cards/lookup"),
    ("get", "/api/v1/cards/{number}"),
    ("post", "/api/v1/cards/{number}/adjustments"),
    ("post", "/api/v1/checkouts/preview"),
    ("post", "/api/v1/checkouts"),
    ("post", "/api/v1/checkouts/{external_id}/reverse"),
    ("post", "/api/v1/rewards/{reward_id}/hand-over"),
    ("get", "/api/v1/merchant"),
}


@pytest.fixture
def spec():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_the_openapi_document_lists_every_endpoint(spec):
    listed = {(method, path) for path, operations in spec["paths"].items() for method in operations}

    assert listed >= ENDPOINTS
    assert spec["info"]["title"] == "stampcard POS API" and spec["info"]["version"] == "1"


def test_every_endpoint_requires_the_bearer_key(spec):
    schemes = spec["components"]["securitySchemes"]
    [(name, scheme)] = schemes.items()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security") == [{name: []}], (method, path)


def test_every_endpoint_documents_the_error_shape(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "404", "422"):
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    assert set(spec["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message"}


def test_the_checkout_shapes_keep_the_names_of_the_contract(spec):
    schemas = spec["components"]["schemas"]

    assert {"card", "check", "location_id"} <= set(schemas["CheckoutIn"]["properties"])
    assert {"external_id", "total", "currency"} <= set(schemas["CheckIn"]["properties"])
    assert {"stamps_issued", "card", "rewards", "replayed"} <= set(schemas["CheckoutOut"]["properties"])
    assert {"stamps_to_issue", "card", "rewards"} <= set(schemas["PreviewOut"]["properties"])
    assert {"number", "qr", "program_id", "stamps", "goal", "rewards_ready", "vouchers", "urls"} <= set(
        schemas["CardOut"]["properties"]
    )


def test_a_reversal_body_is_optional(spec):
    operation = spec["paths"]["/api/v1/checkouts/{external_id}/reverse"]["post"]

    assert operation["requestBody"]["required"] is False


def test_the_docs_page_is_served(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content
