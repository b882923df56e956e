"""The POS simulator's server half: Poster's makeRequest proxy (signing), makeApiRequest, and the Web API method the
app records zero-price gifts with."""

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stampcard.cards.models import Check
from stampcard.sandbox.poster import simulator_url
from stampcard.sandbox.poster.simulator import respond
from tests.conftest import reload
from tests.poster.conftest import ACCOUNT


def test_the_simulator_url_names_stampcard_the_account_and_the_language():
    url = simulator_url(
        "http://127.0.0.1:8000/", stand_in_url="http://127.0.0.1:8791", account="demo-coffee", lang="ua", api_key="k"
    )
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("127.0.0.1:8791", "/pos/")
    assert parse_qs(parts.query) == {
        "server": ["http://127.0.0.1:8000"],
        "account": ["demo-coffee"],
        "spot": ["1"],
        "lang": ["ua"],
        "key": ["k"],
    }


def test_the_page_and_its_container_are_served(poster):
    page = httpx.get(f"{poster.base_url}/pos/?account={ACCOUNT}")
    container = httpx.get(f"{poster.base_url}/pos/container.html")
    assert page.status_code == 200 and '<script src="/pos/simulator.js">' in page.text
    assert "posterFor(window)" in container.text and '<script src="/pos/app.js">' in container.text
    config = httpx.get(f"{poster.base_url}/pos/_config?account={ACCOUNT}").json()
    assert config["application_id"] == poster.application_id
    assert {p["name"] for p in config["products"]} == {"Cappuccino", "Croissant", "Cake"}


@pytest.mark.django_db(transaction=True)
def test_the_make_request_proxy_signs_like_poster_so_the_signed_commit_is_accepted(
    poster, connected, card, cashier, live_server
):
    body = json.dumps({"card": card.number, "check": {"external_id": "77", "total": 5500, "currency": "UAH"}})
    spec = {
        "url": f"{live_server.url}/api/v1/poster/checkouts",
        "method": "post",
        "headers": ["Content-Type: application/json", f"Authorization: Bearer {cashier.raw_key}"],
        "body": body,
        "account": ACCOUNT,
        "spot_id": "1",
        "tablet_id": 1,
    }

    status, answer, _type = respond(poster, "POST", "/pos/_request", {}, json.dumps(spec).encode())

    assert status == 200 and answer["code"] == 200
    assert json.loads(answer["result"])["stamps_issued"] == 1  # the app gets the body as text, and parses it
    assert reload(card).stamps == 1 and Check.objects.get().pos == "poster"


@pytest.mark.django_db(transaction=True)
def test_the_proxy_reports_an_unreachable_server_as_code_0(poster):
    spec = {"url": "http://127.0.0.1:9/api/v1/poster/app", "method": "get", "timeout": 2000}
    _status, answer, _type = respond(poster, "POST", "/pos/_request", {}, json.dumps(spec).encode())
    assert answer == {"code": 0, "result": False}


def web_api(poster, method, **data):
    spec = {"method": method, "data": data, "account": ACCOUNT}
    return respond(poster, "POST", "/pos/_api", {}, json.dumps(spec).encode())[1]


def test_a_gift_line_at_zero_price_goes_through_the_web_api_with_the_apps_token(poster, connected):
    transaction_id = poster.transaction_open(ACCOUNT, products=[("2", 1)])

    answer = web_api(
        poster,
        "transactions.addTransactionProduct",
        spot_id=1,
        spot_tablet_id=1,
        transaction_id=transaction_id,
        product_id="1",
        price=0,
    )

    assert "transaction_product" in answer["response"]
    lines = poster.state.accounts[ACCOUNT].transactions[transaction_id].lines
    assert [(line.product_id, line.price_cents) for line in lines] == [("2", 4500), ("1", 0)]


def test_the_web_api_refuses_a_line_on_a_closed_order_or_without_its_fields(poster, connected):
    transaction_id = poster.transaction_open(ACCOUNT, products=[("2", 1)])
    poster.transaction_close(ACCOUNT, transaction_id)

    closed = web_api(
        poster, "transactions.addTransactionProduct", spot_id=1, spot_tablet_id=1, transaction_id=transaction_id,
        product_id="1", price=0,
    )  # fmt: skip
    missing = web_api(poster, "transactions.addTransactionProduct", transaction_id=transaction_id)

    assert closed["error"]["code"] == 42
    assert missing["error"]["code"] == 34


def test_make_api_request_without_an_installed_app_gets_poster_token_error(poster):
    assert web_api(poster, "menu.getProducts")["error"]["code"] == 10
