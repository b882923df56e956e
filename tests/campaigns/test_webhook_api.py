"""API v1 of webhooks: endpoints (create, list, get, change, remove, roll the secret, test), deliveries and replays.
Managers and owners; a cashier's key 403; another merchant's ids 404 on every route."""

import uuid

import pytest

from stampcard.campaigns.webhooks import signing
from stampcard.campaigns.webhooks.models import WebhookDelivery, WebhookEndpoint
from stampcard.core import clock
from stampcard.merchants.models import Role
from tests.api.helpers import API, error_of, get, post
from tests.campaigns.helpers import endpoint_make
from tests.conftest import make_staff
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local(settings):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True  # http://127.0.0.1 resolves without a network


def _delivery(endpoint: WebhookEndpoint, state: str = "failed") -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        merchant_id=endpoint.merchant_id,
        endpoint=endpoint,
        event="stamp.added",
        event_key=f"t:{uuid.uuid4()}",
        event_id=uuid.uuid4(),
        body='{"type":"stamp.added"}',
        window_started_at=clock.now(),
        state=state,
        attempts=8,
    )


def patch(client, path, body):
    return client.patch(API + path, data=body, content_type="application/json")


def delete(client, path):
    return client.delete(API + path)


def test_a_manager_registers_an_endpoint_and_gets_its_secret_once(manager):
    response = post(
        manager.client(),
        "/webhooks/endpoints",
        {"url": "http://127.0.0.1:9000/hooks", "events": ["stamp.added", "voucher.redeemed"], "description": "CRM"},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith(signing.SECRET_PREFIX)
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.secret == body["secret"] and endpoint.secret_sealed != body["secret"]
    assert body["events"] == ["stamp.added", "voucher.redeemed"]
    listed = get(manager.client(), "/webhooks/endpoints").json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert "secret" not in get(manager.client(), f"/webhooks/endpoints/{body['id']}").json()


def test_a_private_address_is_refused_with_a_stable_code(settings, manager):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = False

    for url in ("http://127.0.0.1:9000/hooks", "https://127.0.0.1/hooks", "https://10.0.0.1/"):
        body = error_of(post(manager.client(), "/webhooks/endpoints", {"url": url, "events": ["stamp.added"]}), 422)
        assert body["code"] == "webhook_url_not_allowed"
        assert body["details"]["fields"][0]["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_event_or_none_at_all_is_a_validation_error(manager):
    for events in (["stamp.teleported"], [], "stamp.added"):
        response = post(manager.client(), "/webhooks/endpoints", {"url": "http://127.0.0.1:9/x", "events": events})
        assert error_of(response, 422)["code"] == "validation_error"


def test_change_roll_test_and_remove(manager):
    endpoint = endpoint_make(manager.merchant, "http://127.0.0.1:9000/a", ["stamp.added"])
    old_secret = endpoint.secret

    changed = patch(
        manager.client(), f"/webhooks/endpoints/{endpoint.pk}", {"events": ["goal.reached"], "is_active": False}
    )
    assert changed.status_code == 200 and changed.json()["events"] == ["goal.reached"]
    assert error_of(post(manager.client(), f"/webhooks/endpoints/{endpoint.pk}/test"), 409)["code"] == (
        "webhook_endpoint_inactive"
    )
    patch(manager.client(), f"/webhooks/endpoints/{endpoint.pk}", {"is_active": True})
    tested = post(manager.client(), f"/webhooks/endpoints/{endpoint.pk}/test")
    assert tested.status_code == 202 and tested.json()["event"] == "ping"
    rolled = post(manager.client(), f"/webhooks/endpoints/{endpoint.pk}/roll-secret").json()["secret"]
    endpoint.refresh_from_db()
    assert rolled != old_secret and endpoint.secret == rolled

    assert delete(manager.client(), f"/webhooks/endpoints/{endpoint.pk}").status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_deliveries_are_listed_with_their_attempts_and_a_failed_one_replays(manager):
    endpoint = endpoint_make(manager.merchant, "http://127.0.0.1:9000/a", ["stamp.added"])
    delivery = _delivery(endpoint)

    listed = get(manager.client(), f"/webhooks/endpoints/{endpoint.pk}/deliveries").json()["results"]
    assert [d["id"] for d in listed] == [str(delivery.pk)] and listed[0]["state"] == "failed"

    replayed = post(manager.client(), f"/webhooks/deliveries/{delivery.pk}/replay")
    assert replayed.status_code == 202, replayed.content
    assert replayed.json()["id"] == str(delivery.pk) and replayed.json()["state"] == "pending"
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.next_attempt_at is not None


def _routes(endpoint_id, delivery_id):
    return [
        ("get", "/webhooks/events", None),
        ("post", "/webhooks/endpoints", {"url": "http://127.0.0.1:9/x", "events": ["stamp.added"]}),
        ("get", "/webhooks/endpoints", None),
        ("get", f"/webhooks/endpoints/{endpoint_id}", None),
        ("patch", f"/webhooks/endpoints/{endpoint_id}", {"description": "x"}),
        ("post", f"/webhooks/endpoints/{endpoint_id}/roll-secret", None),
        ("post", f"/webhooks/endpoints/{endpoint_id}/test", None),
        ("get", f"/webhooks/endpoints/{endpoint_id}/deliveries", None),
        ("post", f"/webhooks/deliveries/{delivery_id}/replay", None),
        ("delete", f"/webhooks/endpoints/{endpoint_id}", None),
    ]


def _call(client, method, path, body):
    if method == "get":
        return get(client, path)
    if method == "post":
        return post(client, path, body)
    if method == "patch":
        return patch(client, path, body)
    return delete(client, path)


def test_a_cashier_key_is_refused_on_every_route(merchant, cashier):
    endpoint = endpoint_make(merchant, "http://127.0.0.1:9000/a", ["stamp.added"])
    delivery = _delivery(endpoint)

    for method, path, body in _routes(endpoint.pk, delivery.pk):
        response = _call(cashier.client(), method, path, body)
        assert error_of(response, 403)["code"] == "role_forbidden", (method, path)
    assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_another_merchants_endpoints_and_deliveries_answer_404_on_every_route(manager):
    theirs = endpoint_make(MerchantFactory(), "http://127.0.0.1:9000/theirs", ["stamp.added"])
    delivery = _delivery(theirs)

    for method, path, body in _routes(theirs.pk, delivery.pk):
        if "{" in path or str(theirs.pk) in path or str(delivery.pk) in path:
            response = _call(manager.client(), method, path, body)
            assert error_of(response, 404)["code"] == "not_found", (method, path)
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()
    assert str(theirs.pk) not in get(manager.client(), "/webhooks/endpoints").content.decode()


def test_an_owner_may_do_what_a_manager_may(merchant):
    owner = make_staff(merchant, Role.OWNER)
    response = post(owner.client(), "/webhooks/endpoints", {"url": "http://127.0.0.1:9/x", "events": ["stamp.added"]})
    assert response.status_code == 201


def test_a_made_up_id_is_404(manager):
    assert error_of(get(manager.client(), "/webhooks/endpoints/not-a-uuid"), 404)["code"] == "not_found"
    assert error_of(post(manager.client(), f"/webhooks/deliveries/{uuid.uuid4()}/replay"), 404)["code"] == "not_found"


def test_the_deliveries_list_keeps_its_query_count_whatever_the_number_of_deliveries(manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stampcard.campaigns.webhooks.models import WebhookAttempt

    endpoint = endpoint_make(manager.merchant, "http://127.0.0.1:9000/a", ["stamp.added"])
    client = manager.client()
    path = f"/webhooks/endpoints/{endpoint.pk}/deliveries"
    assert get(client, path).status_code == 200  # the key's last use is recorded; later requests do not write

    def queries(deliveries: int) -> int:
        for _ in range(deliveries):
            delivery = _delivery(endpoint)
            for number in (1, 2):
                WebhookAttempt.objects.create(delivery=delivery, number=number, started_at=clock.now(), status_code=500)
        with CaptureQueriesContext(connection) as captured:
            response = get(client, path)
        assert response.status_code == 200
        return len(captured)

    assert queries(1) == queries(20)
