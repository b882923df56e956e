"""API v1: make, list, read and print insert batches (manager or owner keys, idempotent writes, tenant-scoped)."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from stampcard.inserts import services
from stampcard.inserts.models import Insert, InsertBatch
from stampcard.merchants.models import Role
from tests.api.helpers import error_of, get, post
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.inserts.conftest import inserts_of, make_batch

pytestmark = pytest.mark.django_db

BATCH_FIELDS = {
    "id",
    "name",
    "aggregator",
    "aggregator_name",
    "aggregator_label",
    "count",
    "program_id",
    "location_id",
    "benefit",
    "created_at",
    "urls",
    "stats",
}
STATS = {
    "inserts",
    "scans",
    "claims",
    "unclaimed",
    "new_customers",
    "existing_customers",
    "later_visits",
    "customers_returned",
    "later_revenue",
    "currency",
    "last_claim_at",
}


def glovo(**overrides):
    return {"name": "Glovo — December", "aggregator": "glovo", "count": 24, **overrides}


def test_a_manager_makes_a_batch_and_gets_it_back(manager, program, location):
    response = post(manager.client(), "/insert-batches", glovo(benefit={"kind": "stamp", "stamps": 2}))

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == BATCH_FIELDS and set(body["stats"]) == STATS
    assert (body["name"], body["aggregator_label"], body["count"]) == ("Glovo — December", "Glovo", 24)
    assert body["program_id"] == str(program.pk) and body["location_id"] == str(location.pk)
    assert body["benefit"] == {
        "kind": "stamp",
        "stamps": 2,
        "title": "",
        "description": "",
        "validity": None,
        "words": "Scan for 2 free stamps",
    }
    assert body["stats"]["inserts"] == 24 and body["stats"]["unclaimed"] == 24 and body["stats"]["claims"] == 0
    assert body["stats"]["currency"] == "UAH"
    assert body["urls"]["pdf"] == f"http://127.0.0.1:8000/api/v1/insert-batches/{body['id']}/pdf"
    assert Insert.objects.filter(batch_id=body["id"]).count() == 24


def test_voucher_and_gift_batches_over_the_api(owner, program):
    voucher = post(
        owner.client(),
        "/insert-batches",
        glovo(benefit={"kind": "voucher", "title": "Free cappuccino", "validity": {"months": 1}}),
    ).json()
    gift = post(owner.client(), "/insert-batches", glovo(benefit={"kind": "gift", "title": "Cookie"})).json()

    assert voucher["benefit"]["validity"] == {"months": 1} and voucher["benefit"]["words"] == "Free cappuccino"
    assert gift["benefit"]["kind"] == "gift" and gift["benefit"]["words"] == "Cookie"


def test_an_idempotency_key_replays_the_first_batch(manager, program):
    client = manager.client()
    first = post(client, "/insert-batches", glovo(), **{"Idempotency-Key": "batch-1"})
    again = post(client, "/insert-batches", glovo(), **{"Idempotency-Key": "batch-1"})
    other = post(client, "/insert-batches", glovo(count=3), **{"Idempotency-Key": "batch-1"})

    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert InsertBatch.objects.count() == 1 and Insert.objects.count() == 24
    assert error_of(other, 409)["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (glovo(count=0), 422, "validation_error"),
        (glovo(count=5001), 422, "validation_error"),
        (glovo(aggregator="deliveroo"), 422, "validation_error"),
        (glovo(name=""), 422, "validation_error"),
        (glovo(name="   "), 422, "insert_batch_invalid"),
        (glovo(benefit={"kind": "voucher"}), 422, "insert_batch_invalid"),
        (glovo(benefit={"kind": "stamp", "stamps": 11}), 422, "validation_error"),
        (
            glovo(benefit={"kind": "voucher", "title": "x", "validity": {"days": 1, "months": 1}}),
            422,
            "insert_batch_invalid",
        ),
        (glovo(program_id="not-a-program"), 404, "program_not_found"),
    ],
)
def test_bad_batches_are_refused_with_a_stable_code(manager, program, body, status, code):
    assert error_of(post(manager.client(), "/insert-batches", body), status)["code"] == code
    assert not InsertBatch.objects.exists()


def test_cashiers_cannot_make_list_or_print_batches(cashier, manager_actor, program):
    batch = make_batch(manager_actor)
    client = cashier.client()

    assert error_of(post(client, "/insert-batches", glovo()), 403)["code"] == "role_forbidden"
    assert error_of(get(client, "/insert-batches"), 403)["code"] == "role_forbidden"
    assert error_of(get(client, f"/insert-batches/{batch.pk}"), 403)["code"] == "role_forbidden"
    assert error_of(get(client, f"/insert-batches/{batch.pk}/pdf"), 403)["code"] == "role_forbidden"


def test_another_merchants_batch_is_not_found(manager, manager_actor, program):
    mine = make_batch(manager_actor)
    stranger = make_staff(MerchantFactory(), Role.OWNER)
    ProgramFactory(merchant=stranger.merchant)
    theirs = make_batch(stranger.actor())

    for path in (f"/insert-batches/{theirs.pk}", f"/insert-batches/{theirs.pk}/pdf", "/insert-batches/nonsense"):
        assert error_of(get(manager.client(), path), 404)["code"] == "insert_batch_not_found"
    assert [b["id"] for b in get(stranger.client(), "/insert-batches").json()["results"]] == [str(theirs.pk)]
    assert str(mine.pk) not in get(stranger.client(), "/insert-batches").content.decode()
    their_program = str(theirs.program_id)
    assert error_of(post(manager.client(), "/insert-batches", glovo(program_id=their_program)), 404)["code"] == (
        "program_not_found"
    )


def test_a_batch_reads_with_its_attribution(manager, manager_actor, program):
    batch = make_batch(manager_actor, count=5)
    services.insert_scan_record(insert=inserts_of(batch)[0])
    services.insert_claim(token=inserts_of(batch)[0].token, card=CardFactory(program=program), new_customer=True)

    body = get(manager.client(), f"/insert-batches/{batch.pk}").json()

    assert body["stats"]["scans"] == 1 and body["stats"]["claims"] == 1 and body["stats"]["new_customers"] == 1
    assert body["stats"]["unclaimed"] == 4 and body["stats"]["last_claim_at"] is not None


def test_batches_list_newest_first_and_page(manager, manager_actor, program):
    made = [make_batch(manager_actor, name=f"Batch {n}") for n in range(3)]

    results = get(manager.client(), "/insert-batches").json()["results"]
    page = get(manager.client(), "/insert-batches", limit="1", offset="1").json()["results"]

    assert [r["name"] for r in results] == ["Batch 2", "Batch 1", "Batch 0"]
    assert [r["id"] for r in page] == [str(made[1].pk)]
    assert error_of(get(manager.client(), "/insert-batches", limit="0"), 422)["code"] == "validation_error"


def test_the_list_costs_the_same_queries_for_one_batch_or_many(
    manager, manager_actor, program, django_assert_num_queries
):
    client = manager.client()
    get(client, "/insert-batches")  # the key's last use is written once per minute: not on the measured calls
    first = make_batch(manager_actor, count=2)
    services.insert_claim(token=inserts_of(first)[0].token, card=CardFactory(program=program))

    with CaptureQueriesContext(connection) as one:
        assert len(get(client, "/insert-batches").json()["results"]) == 1
    for n in range(4):
        batch = make_batch(manager_actor, count=30)
        for insert in inserts_of(batch)[:3]:
            services.insert_claim(token=insert.token, card=CardFactory(program=program), new_customer=n % 2 == 0)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(get(client, "/insert-batches").json()["results"]) == 5


def test_the_pdf_endpoint_serves_the_print_ready_pdf(manager, manager_actor, program):
    batch = make_batch(manager_actor, count=13)

    response = get(manager.client(), f"/insert-batches/{batch.pk}/pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="inserts-{batch.pk}.pdf"'
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2


def test_the_openapi_schema_documents_the_insert_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {"post", "get"} <= set(paths["/api/v1/insert-batches"])
    assert (
        "get" in paths["/api/v1/insert-batches/{batch_id}"] and "get" in paths["/api/v1/insert-batches/{batch_id}/pdf"]
    )
