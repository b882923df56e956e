"""API v1 of messages: the list with counts, one message with a page of its deliveries, cancel. Managers and owners;
a cashier's key 403 on every route; another merchant's ids 404."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.campaigns.messages import services
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery
from stampcard.merchants.actors import Actor
from stampcard.merchants.models import Role
from tests.api.helpers import API, error_of, get, post
from tests.campaigns.messages.conftest import PARTS, holder
from tests.conftest import make_staff
from tests.factories import MerchantFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def started(merchant, cards, **kwargs) -> Message:
    message = services.message_create(
        actor=Actor.system(merchant), channels=["email"], parts=PARTS, source="campaign", **kwargs
    )
    services.message_recipients_add(message=message, cards=cards)
    return services.message_send_start(message=message)


def finish(message: Message, card, state: str, reason: str = "") -> None:
    MessageDelivery.objects.filter(message=message, card=card).update(state=state, reason=reason)


@pytest.fixture
def sent_message(program):
    cards = [holder(program, email=f"c{i}@example.com") for i in range(5)]
    message = started(program.merchant, cards)
    finish(message, cards[0], DeliveryState.SENT)
    finish(message, cards[1], DeliveryState.SENT)
    finish(message, cards[2], DeliveryState.SKIPPED, "no_consent")
    finish(message, cards[3], DeliveryState.FAILED, "bounced")
    return message, cards


def test_a_manager_lists_the_merchants_messages_newest_first_with_counts(manager, sent_message, program):
    message, _cards = sent_message
    draft = services.message_create(actor=Actor.system(program.merchant), channels=["email"], parts=PARTS)
    started(MerchantFactory(), [])  # another merchant's

    response = get(manager.client(), "/messages")

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [m["id"] for m in results] == [str(draft.pk), str(message.pk)]
    assert results[1]["counts"] == {
        "total": 5, "pending": 1, "sent": 2, "failed": 1, "skipped": 1, "reasons": {"no_consent": 1, "bounced": 1},
    }  # fmt: skip
    assert results[1]["state"] == "sending" and results[1]["channels"] == ["email"]
    assert results[1]["parts"]["uk"]["subject"] == "Осіннє меню"
    assert [m["id"] for m in get(manager.client(), "/messages", state="draft").json()["results"]] == [str(draft.pk)]
    assert len(get(manager.client(), "/messages", limit="1", offset="1").json()["results"]) == 1


def test_one_message_shows_a_page_of_its_deliveries_filtered_by_state_and_reason(owner, sent_message):
    message, cards = sent_message
    path = f"/messages/{message.pk}"

    whole = get(owner.client(), path).json()
    bounced = get(owner.client(), path, state="failed", reason="bounced").json()["deliveries"]
    skipped = get(owner.client(), path, state="skipped").json()["deliveries"]
    page = get(owner.client(), path, limit="2", offset="2").json()["deliveries"]

    assert whole["counts"]["total"] == 5 and len(whole["deliveries"]) == 5
    assert [(d["card"], d["reason"]) for d in bounced] == [(cards[3].number, "bounced")]
    assert bounced[0]["reason_text"] == "The mail server refused the address"
    assert [(d["card"], d["reason"]) for d in skipped] == [(cards[2].number, "no_consent")]
    assert [d["card"] for d in page] == [cards[2].number, cards[3].number]
    assert get(owner.client(), path, reason="no_consent").json()["deliveries"][0]["state"] == "skipped"


def test_cancelling_skips_what_is_not_sent_and_a_second_cancel_is_a_conflict(manager, sent_message):
    message, cards = sent_message

    response = post(manager.client(), f"/messages/{message.pk}/cancel")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "cancelled"
    assert (body["counts"]["pending"], body["counts"]["reasons"]["cancelled"]) == (0, 1)
    assert MessageDelivery.objects.get(message=message, card=cards[4]).reason == "cancelled"
    again = post(manager.client(), f"/messages/{message.pk}/cancel")
    assert error_of(again, 409)["code"] == "message_not_draft"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/messages"), ("get", "/messages/{id}"), ("post", "/messages/{id}/cancel")],
)
def test_a_cashier_may_use_no_route_and_another_merchants_message_is_not_found(
    cashier, manager, sent_message, method, path
):
    message, _cards = sent_message
    outsider = make_staff(MerchantFactory(), Role.OWNER)
    call = get if method == "get" else post
    here = path.replace("{id}", str(message.pk))

    assert error_of(call(cashier.client(), here), 403)["code"] == "role_forbidden"
    if "{id}" in path:
        assert error_of(call(outsider.client(), here), 404)["code"] == "not_found"
        assert error_of(call(manager.client(), path.replace("{id}", str(uuid.uuid4()))), 404)["code"] == "not_found"
        assert error_of(call(manager.client(), path.replace("{id}", "not-a-uuid")), 404)["code"] == "not_found"
    else:
        assert call(outsider.client(), here).json()["results"] == []
    assert Message.objects.get(pk=message.pk).state == "sending"


def test_the_list_keeps_its_query_count_whatever_the_number_of_messages(manager, merchant):
    program = ProgramFactory(merchant=merchant, name="Second", is_default=False)
    client = manager.client()
    assert get(client, "/messages").status_code == 200  # the key's last use is recorded; later requests do not write

    def queries(messages: int) -> int:
        for _ in range(messages):
            started(merchant, [holder(program, email=f"{uuid.uuid4().hex[:8]}@example.com")])
        with CaptureQueriesContext(connection) as captured:
            assert get(client, "/messages").status_code == 200
        return len(captured)

    assert queries(1) == queries(15)


def test_the_routes_are_documented_without_taking_another_routers_schema_names(manager):
    spec = manager.client().get(API + "/openapi.json").json()
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    assert {"/api/v1/messages", "/api/v1/messages/{message_id}", "/api/v1/messages/{message_id}/cancel"} <= set(paths)
    # Components are named after their classes: a second "DeliveryOut" would replace the webhooks' one
    assert "wallets" in schemas["MessageDeliveryOut"]["properties"]
    assert "endpoint_id" in schemas["DeliveryOut"]["properties"]
