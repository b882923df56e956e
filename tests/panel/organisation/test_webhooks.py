"""Webhooks in the panel (Integrations → Webhooks): add an endpoint with plain-worded events, see and roll its
secret, send a test event, read deliveries with their attempts and replay one, remove it. Roles and other merchants'
ids are walked for every URL in tests/panel/test_url_walk.py."""

import uuid

import pytest
from django.urls import reverse

from stampcard.campaigns.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from stampcard.core import clock

pytestmark = pytest.mark.django_db


def _add(client, url="http://127.0.0.1:9000/hooks", events=("stamp.added", "goal.reached"), **extra):
    data = {"url": url, "description": "CRM", "events": list(events), "is_active": "on", **extra}
    return client.post(reverse("panel:integration-webhook-new"), data)


def test_the_integrations_page_leads_to_webhooks(shop, manager_client):
    page = manager_client.get(reverse("panel:integrations")).content.decode()
    assert reverse("panel:integration-webhooks") in page


def test_the_form_lists_every_event_with_words_a_merchant_reads(manager_client):
    page = manager_client.get(reverse("panel:integration-webhook-new")).content.decode()
    assert "Stamps were added to a card" in page and 'value="stamp.added"' in page
    assert "campaign.sent" in page


def test_a_manager_adds_an_endpoint_and_sees_its_secret_on_its_page(settings, shop, manager_client):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    response = _add(manager_client)

    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "panel:integration-webhook", args=[endpoint.pk]
    )
    assert endpoint.merchant == shop.merchant and endpoint.events == ["stamp.added", "goal.reached"]
    page = manager_client.get(response["Location"])
    assert "no-store" in page["Cache-Control"]
    assert endpoint.secret in page.content.decode()
    listing = manager_client.get(reverse("panel:integration-webhooks")).content.decode()
    assert "CRM" in listing and endpoint.secret not in listing


def test_a_private_address_is_refused_under_the_field_in_production(settings, manager_client):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = False
    response = _add(manager_client, url="https://127.0.0.1/hooks")
    assert response.status_code == 200
    assert "private or local network address" in response.content.decode()
    response = _add(manager_client, url="http://hooks.example.com/in")
    assert "Use an https:// address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_no_event_ticked_says_what_to_do(settings, manager_client):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    response = _add(manager_client, events=())
    assert "Tick at least one event." in response.content.decode()


def test_roll_the_secret_send_a_test_event_and_replay_a_delivery(settings, shop, owner_client):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    _add(owner_client)
    endpoint = WebhookEndpoint.objects.get()
    old = endpoint.secret

    owner_client.post(reverse("panel:integration-webhook-roll", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret_rolled_at

    owner_client.post(reverse("panel:integration-webhook-test", args=[endpoint.pk]))
    ping = WebhookDelivery.objects.get(endpoint=endpoint)
    assert ping.event == "ping" and ping.state == "pending"

    WebhookDelivery.objects.filter(pk=ping.pk).update(state="failed", attempts=8, next_attempt_at=None)
    WebhookAttempt.objects.create(delivery=ping, number=8, started_at=clock.now(), duration_ms=1234, status_code=503)
    page = owner_client.get(reverse("panel:integration-webhook", args=[endpoint.pk])).content.decode()
    assert "answer 503" in page and "1234 ms" in page and str(ping.pk) in page

    owner_client.post(reverse("panel:integration-webhook-replay", args=[ping.pk]))
    ping.refresh_from_db()
    assert ping.state == "pending" and ping.replayed_at


def test_editing_and_removing_an_endpoint(settings, manager_client):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    _add(manager_client)
    endpoint = WebhookEndpoint.objects.get()
    page = reverse("panel:integration-webhook", args=[endpoint.pk])

    response = manager_client.post(
        page, {"url": endpoint.url, "description": "Warehouse", "events": ["voucher.redeemed"]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.description == "Warehouse" and endpoint.events == ["voucher.redeemed"] and not endpoint.is_active

    manager_client.post(reverse("panel:integration-webhook-delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_a_cashier_is_refused_and_another_merchants_endpoint_is_not_found(
    shop, other_shop, cashier_client, owner_client
):
    assert cashier_client.get(reverse("panel:integration-webhooks")).status_code == 403
    theirs = WebhookEndpoint(merchant=other_shop.merchant, url="https://hooks.example.com/x", events=["stamp.added"])
    theirs.secret = "whsec_theirs"
    theirs.save()
    assert owner_client.get(reverse("panel:integration-webhook", args=[theirs.pk])).status_code == 404
    assert owner_client.post(reverse("panel:integration-webhook-delete", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("panel:integration-webhook", args=[uuid.uuid4()])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
