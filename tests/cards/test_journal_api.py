"""GET /api/v1/journal: the journal's lines, filters and cursor, the §5 error shape, roles and tenants."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from stampcard.cards.ledger import ledger_append
from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.actors import Channel
from tests.api.helpers import error_of, get
from tests.conftest import make_staff
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def record(staff, card, *, kind=EventKind.STAMP, delta=1, channel=Channel.API, at=None, **payload) -> CardEvent:
    card.refresh_from_db()
    with transaction.atomic():
        event = ledger_append(
            card=card, kind=kind, delta=delta, lifetime_delta=max(delta, 0), actor=staff.actor(channel), **payload
        )
    if at is not None:
        CardEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [line["id"] for line in response.json()["results"]]


def test_a_manager_reads_the_journal_newest_first_with_every_field(manager, card, location):
    stamp = record(manager, card, delta=2)
    reward = record(manager, card, kind=EventKind.REWARD_ISSUED, delta=-2)

    response = get(manager.client(), "/journal")

    assert ids(response) == [str(reward.pk), str(stamp.pk)]
    line = response.json()["results"][1]
    assert line["kind"] == "stamp" and line["label"] == "Stamps earned"
    assert (line["delta"], line["stamps_after"]) == (2, 2)
    assert line["card"] == {
        "number": card.number,
        "program_id": str(card.program_id),
        "customer_name": card.customer.name,
    }
    assert line["staff_id"] == str(manager.membership.user_id)
    assert (line["location_id"], line["location"]) == (str(location.pk), location.name)
    assert line["channel"] == "api"
    assert response.json()["next_cursor"] is None


def test_a_cashier_is_refused_with_the_error_shape(cashier):
    error_of(get(cashier.client(), "/journal"), 403)


def test_another_merchants_events_never_show(manager, card):
    mine = record(manager, card)
    other = MerchantFactory()
    other_manager = make_staff(other, manager.membership.role)
    record(other_manager, CardFactory(program=ProgramFactory(merchant=other)))

    assert ids(get(manager.client(), "/journal")) == [str(mine.pk)]


def test_the_cursor_pages_through_without_gaps_or_repeats(manager, card):
    events = [record(manager, card) for _ in range(5)]
    client = manager.client()

    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = get(client, "/journal", **params).json()
        seen += [line["id"] for line in body["results"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == [str(event.pk) for event in reversed(events)]


def test_filters_by_kind_customer_staff_and_local_days(manager, owner, card, merchant):
    merchant.timezone = "Europe/Kyiv"
    merchant.save()
    kyiv = ZoneInfo("Europe/Kyiv")
    late = record(manager, card, at=datetime(2026, 3, 14, 23, 30, tzinfo=kyiv))
    early = record(manager, card, at=datetime(2026, 3, 15, 0, 30, tzinfo=kyiv))
    adjustment = record(owner, card, kind=EventKind.ADJUSTMENT, delta=-1, reason="Spilled")
    other_card = CardFactory(program=card.program, customer=CustomerFactory(merchant=merchant, name="Taras Bulba"))
    taras = record(manager, other_card)
    client = manager.client()

    assert ids(get(client, "/journal", **{"from": "2026-03-14", "to": "2026-03-14"})) == [str(late.pk)]
    assert ids(get(client, "/journal", **{"from": "2026-03-15", "to": "2026-03-15"})) == [str(early.pk)]
    assert ids(get(client, "/journal", kind="adjustment")) == [str(adjustment.pk)]
    receipt = record(manager, card, channel=Channel.RECEIPT)
    assert ids(get(client, "/journal", channel="receipt")) == [str(receipt.pk)]
    assert get(client, "/journal", channel="receipt").json()["results"][0]["label"] == "Receipt claim collected"
    assert ids(get(client, "/journal", staff_id=str(owner.membership.user_id))) == [str(adjustment.pk)]
    assert ids(get(client, "/journal", customer="taras")) == [str(taras.pk)]
    assert ids(get(client, "/journal", customer=other_card.number)) == [str(taras.pk)]


@pytest.mark.parametrize(
    "params, status, code",
    [
        ({"cursor": "abc"}, 422, "invalid_cursor"),
        ({"customer": "x"}, 422, "query_too_short"),
        ({"kind": "bogus"}, 422, "validation_error"),
        ({"channel": "carrier-pigeon"}, 422, "validation_error"),
        ({"location_id": "nope"}, 422, "validation_error"),
        ({"from": "2026-02-31"}, 422, "validation_error"),
        ({"limit": "0"}, 422, "validation_error"),
    ],
)
def test_bad_filters_are_refused_with_a_stable_code(manager, params, status, code):
    assert error_of(get(manager.client(), "/journal", **params), status)["code"] == code


def test_a_page_costs_the_same_queries_for_one_line_or_many(manager, card):
    record(manager, card)
    client = manager.client()
    get(client, "/journal")  # the key's first use of the day records it
    with CaptureQueriesContext(connection) as one:
        assert len(ids(get(client, "/journal"))) == 1
    other = CardFactory(program=card.program)
    for index in range(20):
        record(manager, other if index % 2 else card)
    with CaptureQueriesContext(connection) as many:
        assert len(ids(get(client, "/journal"))) == 21

    # the key's locations, the page of events (the key itself is remembered from the request before)
    assert len(many.captured_queries) == len(one.captured_queries) == 2


def test_the_route_is_documented_with_the_shared_errors(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/journal"]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert {"from", "to", "location_id", "staff_id", "kind", "channel", "customer", "cursor", "limit"} <= {
        parameter["name"] for parameter in operation["parameters"]
    }
