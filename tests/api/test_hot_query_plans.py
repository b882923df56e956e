"""Every statement of every hot request reads the big tables through an index (PostgreSQL).

A hot request (what ``bench/load.py`` drives: identify, preview, commit, reverse, receipt claim and collect, voucher
redeem, the PassKit web service, API-key authentication) runs through the whole Django stack while its SQL is
captured; each SELECT, UPDATE, DELETE and INSERT is then EXPLAINed with ``enable_seqscan = off``. The tables are
small here, so the planner is told that reading one end to end is out of the question: it then takes the index that
fits the statement, and a statement no index fits shows a ``Seq Scan`` anyway, or an index read end to end (a scan
with no ``Index Cond``). Either on a table that grows with the cards or the traffic fails the test, naming the
statement and its plan. (As in ``tests/panel/customers/test_query_plans.py``.)
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from stampcard.cards.links import card_token
from stampcard.cards.models import Card, CardEvent, CardLink, Check, EventKind
from stampcard.customers.models import Customer
from stampcard.merchants import keycache
from stampcard.merchants.actors import Actor, Channel
from stampcard.merchants.models import ApiKey
from stampcard.public import remember
from stampcard.receipts.models import ReceiptToken
from stampcard.vouchers import services as vouchers_services
from stampcard.wallet.apple import selectors as apple_selectors
from stampcard.wallet.apple import services as apple_services
from stampcard.wallet.apple.models import ApplePass, AppleRegistration
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Tables that grow with the cards, the customers or the traffic: none of them may be read end to end on a hot path.
BIG_TABLES = {
    "cards_card", "cards_cardevent", "cards_check", "cards_cardchange", "join_cardlink", "customers_customer",
    "rewards_reward", "vouchers_voucher", "receipts_receipttoken", "pos_idempotencyrecord", "merchants_apikey",
    "merchants_usagecounter", "core_throttle", "apple_wallet_applepass", "apple_wallet_appleregistration",
    "google_wallet_googleobject", "lottery_lotterydraw",
}  # fmt: skip
NOISE_CARDS = 200  # per merchant; an index on the merchant alone would find them all
MAX_ROWS_FILTERED = 20  # rows an index may find that the statement then drops (a card's few ledger lines of a kind)
DEVICE = "device0123456789abcdef"


def _scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


def _plan(sql: str) -> tuple[dict[str, Any], bool]:
    """The statement's plan, run (EXPLAIN ANALYZE, rolled back) when it can be run again; else only planned."""
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT plan_check")
        try:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            analysed = True
        except DatabaseError:  # e.g. an INSERT that ran already and would now break a unique index
            cursor.execute("ROLLBACK TO SAVEPOINT plan_check")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            analysed = False
        [[document]] = cursor.fetchall()
        cursor.execute("ROLLBACK TO SAVEPOINT plan_check")
    plan = json.loads(document) if isinstance(document, str) else document
    return plan[0]["Plan"], analysed


def unindexed(sql: str) -> list[str]:
    """How the statement reads a big table without an index that fits it: a sequential scan, an index walked with
    no condition, or an index that finds many rows the statement then throws away (one on the merchant alone where
    the statement asks for one card)."""
    root, _analysed = _plan(sql)
    bad = []
    for scan in _scans(root):
        table = scan["Relation Name"]
        if table not in BIG_TABLES:
            continue
        removed = scan.get("Rows Removed by Filter", 0) * scan.get("Actual Loops", 1)
        if scan["Node Type"] == "Seq Scan":
            bad.append(f"Seq Scan on {table}")
        elif scan["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in scan:
            bad.append(f"{scan['Node Type']} on {table} using {scan['Index Name']} without a condition")
        elif removed > MAX_ROWS_FILTERED:
            bad.append(f"{scan['Node Type']} on {table} read {removed} rows it filtered out ({scan.get('Filter')})")
    return bad


def assert_indexed(ctx: CaptureQueriesContext) -> None:
    statements = [q["sql"] for q in ctx.captured_queries]
    explained = [
        s for s in statements if s.lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")
    ]
    assert explained, "the request ran no SQL: the capture is not looking at it"
    failures = []
    for sql in explained:
        if bad := unindexed(sql):
            failures.append(f"{', '.join(bad)}:\n  {sql}")
    assert not failures, "hot statements without an index:\n" + "\n".join(failures)


@pytest.fixture
def hot(merchant, location, program, cashier):
    """The cashier's merchant with a card that has a pass on a device and history, vouchers, a printed receipt,
    and other cards (of this merchant and another) around it; analysed; sequential scans priced out."""
    system = Actor(merchant=merchant, channel=Channel.SYSTEM)
    card = CardFactory(program=program)
    other_program = ProgramFactory(merchant=MerchantFactory())
    customers = Customer.objects.bulk_create(
        Customer(merchant=m, name=f"Guest {n}", name_folded=f"guest {n}", email=f"g{n}@example.com")
        for n in range(NOISE_CARDS)
        for m in (merchant, other_program.merchant)
    )
    noise = Card.objects.bulk_create(
        Card(merchant=c.merchant, program=program if c.merchant == merchant else other_program, customer=c,
             number=str(300000 + n), qr_payload=f"SC1:{n:026d}")
        for n, c in enumerate(customers)
    )  # fmt: skip
    # Web links of their own, so the customer pages' lookups meet a table of many rows, not one the planner may walk
    # whole at no cost (a noise link is never opened: its sealed copy is a placeholder)
    CardLink.objects.bulk_create(
        CardLink(card=c, token_digest=f"{n:064x}", token_sealed="-") for n, c in enumerate(noise)
    )
    CardEvent.objects.bulk_create(
        CardEvent(merchant=c.merchant, card=c, kind=EventKind.ADJUSTMENT, delta=1, stamps_after=1, channel=Channel.API)
        for c in noise
    )
    Check.objects.bulk_create(
        Check(merchant=c.merchant, card=c, external_id=f"N-{n}", total=100, currency="UAH", stamps_issued=1)
        for n, c in enumerate(noise)
    )
    ReceiptToken.objects.bulk_create(
        ReceiptToken(merchant=c.merchant, program_id=c.program_id, external_id=f"NR-{n}", total=100, currency="UAH",
                     stamps=1, token_hash=f"{n:064x}", code=f"{n:08d}", expires_at=timezone.now() + timedelta(days=9))
        for n, c in enumerate(noise)
    )  # fmt: skip
    passes = ApplePass.objects.bulk_create(
        ApplePass(card=c, merchant=c.merchant, pass_type_identifier=settings.APPLE_WALLET["PASS_TYPE_ID"],
                  authentication_token_digest=f"{n:064x}", public_token_digest=f"{n:064x}")
        for n, c in enumerate(noise)
    )  # fmt: skip
    AppleRegistration.objects.bulk_create(
        AppleRegistration(apple_pass=p, device_library_identifier=f"device{n // 3}", push_token=f"{n:064x}")
        for n, p in enumerate(passes)
    )
    ApiKey.objects.bulk_create(
        ApiKey(merchant=merchant, membership=cashier.membership, name=f"POS {n}", prefix=f"n{n:09d}", secret_hash="0")
        for n in range(NOISE_CARDS)
    )
    codes = [v.code for v in vouchers_services.voucher_issue(actor=system, title="Gift", count=5)]
    apple_pass = apple_services.apple_pass_ensure(card=card)
    apple_services.device_register(apple_pass=apple_pass, device_library_identifier=DEVICE, push_token="ab" * 32)
    client = cashier.client()
    committed = client.post(
        "/api/v1/checkouts",
        data={"card": card.number, "check": {"external_id": "warm-1", "total": 12550, "currency": "UAH"}},
        content_type="application/json",
        headers={"Idempotency-Key": "warm-1"},
    )
    assert committed.status_code == 200, committed.content
    receipt = client.post(
        "/api/v1/receipts",
        data={"check": {"external_id": "R-1", "total": 12550, "currency": "UAH"}},
        content_type="application/json",
        headers={"Idempotency-Key": "R-1"},
    )
    assert receipt.status_code == 201, receipt.content
    # Last changed an hour ago: the device's copy (If-Modified-Since now) is current, and the pass is not rebuilt.
    Card.objects.filter(pk=card.pk).update(changed_at=timezone.now() - timedelta(hours=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return {
        "card": Card.objects.get(pk=card.pk),
        "client": client,
        "vouchers": codes,
        "receipt_token": receipt.json()["token"],
        "pass": apple_pass,
        "tag": apple_selectors.tag_from_datetime(timezone.now() - timedelta(days=1)),
    }


def _json(client: Client, path: str, body: dict[str, Any] | None, key: str) -> Any:
    return client.post(path, data=body, content_type="application/json", headers={"Idempotency-Key": key})


def _check(external_id: str) -> dict[str, Any]:
    return {"external_id": external_id, "total": 12550, "currency": "UAH"}


def _identify_number(h):
    return h["client"].get("/api/v1/cards/lookup", {"q": h["card"].number})


def _identify_qr(h):
    return h["client"].get("/api/v1/cards/lookup", {"q": h["card"].qr_payload})


def _preview(h):
    return h["client"].post(
        "/api/v1/checkouts/preview",
        data={"card": h["card"].number, "check": _check("P-1")},
        content_type="application/json",
    )


def _commit(h):
    return _json(h["client"], "/api/v1/checkouts", {"card": h["card"].number, "check": _check("C-1")}, "c-1")


def _reverse(h):
    return _json(h["client"], "/api/v1/checkouts/warm-1/reverse", {"kind": "refund"}, "rev-1")


def _receipt_claim(h):
    return _json(h["client"], "/api/v1/receipts", {"check": _check("R-2")}, "r-2")


def _receipt_collect(h):
    phone = Client()
    signer = signing.get_cookie_signer(salt=remember.COOKIE_NAME + remember.COOKIE_SALT)
    phone.cookies[remember.COOKIE_NAME] = signer.sign(card_token(h["card"]))
    return phone.post(f"/r/{h['receipt_token']}", {"action": "collect"})


def _voucher_redeem(h):
    return _json(h["client"], f"/api/v1/vouchers/{h['vouchers'][0]}/redeem", None, "v-1")


def _passkit_serials(h):
    apple_pass = h["pass"]
    path = f"/wallet/apple/v1/devices/{DEVICE}/registrations/{apple_pass.pass_type_identifier}"
    return Client().get(path, {"passesUpdatedSince": h["tag"]})


def _passkit_latest(h):
    apple_pass = h["pass"]
    return Client().get(
        f"/wallet/apple/v1/passes/{apple_pass.pass_type_identifier}/{apple_pass.serial_number}",
        headers={
            "Authorization": f"ApplePass {apple_pass.authentication_token}",
            "If-Modified-Since": http_date(timezone.now().timestamp()),
        },
    )


def _api_key_auth(h):
    keycache.api_keys_clear()  # authenticated from the database, as on a worker's first request with the key
    return h["client"].get("/api/v1/merchant")


HOT_REQUESTS = {
    "identify by number": (_identify_number, 200),
    "identify by QR": (_identify_qr, 200),
    "preview": (_preview, 200),
    "commit": (_commit, 200),
    "reverse": (_reverse, 200),
    "receipt claim": (_receipt_claim, 201),
    "receipt collect": (_receipt_collect, 302),
    "voucher redeem": (_voucher_redeem, 200),
    "PassKit serials since": (_passkit_serials, 200),
    "PassKit latest pass (304)": (_passkit_latest, 304),
    "API-key authentication": (_api_key_auth, 200),
}


@pytest.mark.parametrize("name", list(HOT_REQUESTS))
def test_every_statement_of_a_hot_request_reads_the_big_tables_through_an_index(hot, name):
    request, status = HOT_REQUESTS[name]

    with CaptureQueriesContext(connection) as ctx:
        response = request(hot)

    assert response.status_code == status, response.content[:500]
    assert_indexed(ctx)


def test_a_hot_request_whose_index_is_dropped_fails_the_check(hot):
    """The check can fail: without the unique index on (merchant, number) a lookup by number finds the card through
    the merchant's index and sifts through all its cards."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while deferred checks are pending
        cursor.execute("ALTER TABLE cards_card DROP CONSTRAINT card_number_unique_per_merchant")
        cursor.execute("ANALYZE cards_card")

    with CaptureQueriesContext(connection) as ctx:
        response = _identify_number(hot)

    assert response.status_code == 200
    with pytest.raises(AssertionError, match="on cards_card read 200 rows it filtered out"):
        assert_indexed(ctx)
