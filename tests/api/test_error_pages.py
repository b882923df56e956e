"""Every answer under /api/ is JSON in the error shape, including the ones Django and ninja make before our code."""

import pytest

from tests.api.openapi_walk import operations

ERROR_STATUSES = ("400", "401", "403", "404", "409", "413", "422", "429")


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/cards/123456/nope", "/api/v2/checkouts"])
def test_an_unknown_api_path_is_a_json_404(cashier, path):
    response = cashier.client().get(path)

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "endpoint_not_found"


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(cashier):
    response = cashier.client().delete("/api/v1/checkouts")

    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_a_missing_card_keeps_its_own_json_404(cashier):
    response = cashier.client().get("/api/v1/cards/000000")

    assert response.status_code == 404 and response.json()["code"] == "card_not_found"


def test_pages_outside_the_api_keep_djangos_404(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")


def test_a_service_validation_error_names_its_field_like_schema_validation_does(cashier, card):
    response = cashier.client().post(
        "/api/v1/checkouts",
        content_type="application/json",
        data={"card": card.number, "check": {"external_id": "x" * 65, "total": 100, "currency": "UAH"}},
    )

    body = response.json()
    assert response.status_code == 422
    assert body["details"]["fields"][0]["field"] == "check.external_id" and body["details"]["fields"][0]["problem"]


def test_every_operation_of_both_apis_documents_each_error_status_in_the_error_shape():
    undocumented = []
    for op in operations():
        responses = {str(status): response for status, response in op.spec["responses"].items()}
        for status in ERROR_STATUSES:
            content = responses.get(status, {}).get("content", {}).get("application/json", {})
            if content.get("schema") != {"$ref": "#/components/schemas/ErrorOut"}:
                undocumented.append(f"{op.id} {status}")
    assert undocumented == []


def test_api_answers_carry_the_strict_constant_policy_and_the_docs_page_the_pages_policy(cashier, card):
    answer = cashier.client().get(f"/api/v1/cards/{card.number}")
    docs = cashier.client().get("/api/v1/docs")

    assert answer.status_code == 200
    assert answer["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert docs.status_code == 200 and "default-src 'self'" in docs["Content-Security-Policy"]
