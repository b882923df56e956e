"""Campaign routes of API v1: the same services as the panel, manager keys only, other merchants' ids 404."""

import json

import pytest

from stampcard.campaigns.campaigns.models import Campaign, CampaignState
from stampcard.merchants.models import Role
from tests.campaigns.campaigns.conftest import PARTS, card_of
from tests.conftest import make_staff
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db

BODY = {"name": "Autumn", "audience": {"match": "all", "rules": []}, "channels": ["email"], "parts": PARTS}


def post(client, path, body=None):
    return client.post(f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json")


def test_a_manager_writes_previews_sends_and_reads_a_campaign(program, manager, no_queue):
    client = manager.client()
    card_of(program, email="a@example.com", marketing_email_consent=True)
    card_of(program, language="uk")
    created = post(client, "/campaigns", BODY)
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["state"] == "draft"

    preview = post(
        client, "/campaigns/audience-preview", {"audience": {"rules": [{"segment": "language", "language": "uk"}]}}
    )
    assert preview.status_code == 200 and preview.json() == {"size": 1}

    sent = post(client, f"/campaigns/{campaign_id}/send")
    assert sent.status_code == 200 and sent.json()["state"] == "preparing"
    got = client.get(f"/api/v1/campaigns/{campaign_id}")
    assert got.status_code == 200 and got.json()["results"]["audience"] == 0
    assert [c["id"] for c in client.get("/api/v1/campaigns").json()["results"]] == [campaign_id]

    cancelled = post(client, f"/campaigns/{campaign_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    again = post(client, f"/campaigns/{campaign_id}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "campaign_not_cancellable"


def test_a_bad_audience_answers_422_with_the_field(manager):
    response = post(manager.client(), "/campaigns", {**BODY, "audience": {"rules": [{"segment": "wallet"}]}})
    assert response.status_code == 422
    assert response.json()["details"]["fields"][0]["field"] == "audience.rules.0.platform"


def test_test_send_answers_the_staff_address(manager, program, no_queue):
    campaign_id = post(manager.client(), "/campaigns", BODY).json()["id"]
    response = post(manager.client(), f"/campaigns/{campaign_id}/test-send", {"language": "en"})
    assert response.status_code == 200 and response.json() == {"sent_to": manager.membership.user.email}


ROUTES = [
    ("get", "/campaigns"),
    ("post", "/campaigns"),
    ("post", "/campaigns/audience-preview"),
    ("get", "/campaigns/{id}"),
    ("post", "/campaigns/{id}/send"),
    ("post", "/campaigns/{id}/cancel"),
    ("post", "/campaigns/{id}/test-send"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_route_refuses_a_cashier_key(method, path, merchant, cashier, manager, program, no_queue):
    campaign_id = post(manager.client(), "/campaigns", BODY).json()["id"]
    url = path.replace("{id}", campaign_id)
    body = BODY if url == "/campaigns" else {"audience": {}} if "preview" in url else {}
    response = cashier.client().get(f"/api/v1{url}") if method == "get" else post(cashier.client(), url, body)
    assert response.status_code == 403, (url, response.content)
    assert Campaign.objects.get(pk=campaign_id).state == CampaignState.DRAFT


@pytest.mark.parametrize("method, path", [r for r in ROUTES if "{id}" in r[1]])
def test_another_merchants_campaign_is_not_found(method, path, manager, program, no_queue):
    campaign_id = post(manager.client(), "/campaigns", BODY).json()["id"]
    stranger = make_staff(MerchantFactory(), Role.OWNER)
    url = path.replace("{id}", campaign_id)
    response = stranger.client().get(f"/api/v1{url}") if method == "get" else post(stranger.client(), url, {})
    assert response.status_code == 404
    assert Campaign.objects.get(pk=campaign_id).state == CampaignState.DRAFT


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for _method, path in ROUTES:
        assert f"/api/v1{path.replace('{id}', '{campaign_id}')}" in paths
