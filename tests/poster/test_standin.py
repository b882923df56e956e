"""The Poster stand-in speaks the documented protocol: HTTP-200 errors, string numbers, hundredths, form-data OAuth,
signed webhooks sent over real HTTP."""

import json

import httpx
import pytest

from stampcard.poster.signatures import webhook_signature_valid
from tests.poster.conftest import ACCOUNT, APPLICATION_ID, APPLICATION_SECRET, REDIRECT_URI


def api(poster, method, **params):
    return httpx.get(f"{poster.base_url}/api/{method}", params={"format": "json", **params})


def test_no_token_and_a_bad_token_are_errors_with_http_200(poster):
    missing = api(poster, "access.getSpots")
    assert missing.status_code == 200 and missing.json() == {
        "error": {"code": 10, "message": "access_token is not specified"}
    }
    bad = api(poster, "access.getSpots", token="555111:nope")
    assert bad.status_code == 200 and bad.json()["error"]["code"] == 11


def test_an_unknown_transaction_is_error_32_with_http_200(poster):
    token = poster.token_issue(ACCOUNT)
    answer = api(poster, "dash.getTransaction", token=token, transaction_id=424242)
    assert answer.status_code == 200 and answer.json()["error"]["code"] == 32


def test_a_transaction_comes_with_string_numbers_and_hundredths(poster):
    token = poster.token_issue(ACCOUNT)
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 2), ("2", 1)], comment="hi")
    poster.transaction_close(ACCOUNT, transaction_id, card_cents=5000)
    answer = api(
        poster, "dash.getTransaction", token=token, transaction_id=transaction_id, include_products="true"
    ).json()
    (row,) = answer["response"]
    assert row["status"] == "2" and row["transaction_id"] == str(transaction_id)
    assert (row["sum"], row["payed_card"], row["payed_cash"], row["payed_sum"]) == ("15500", "5000", "10500", "15500")
    assert row["pay_type"] == "3" and row["transaction_comment"] == "hi"
    assert [p["num"] for p in row["products"]] == ["2", "1"]
    assert "history" not in row and "extras" not in row  # history on request; order extras are not documented here


def test_spots_and_settings_use_posters_field_names(poster):
    token = poster.token_issue(ACCOUNT)
    spots = api(poster, "access.getSpots", token=token).json()["response"]
    assert [(s["spot_id"], s["spot_name"]) for s in spots] == [("1", "Khreshchatyk"), ("2", "Podil")]
    assert "spot_adress" in spots[0]
    found = api(poster, "settings.getAllSettings", token=token).json()["response"]
    assert found["COMPANY_ID"] == ACCOUNT and found["currency"]["currency_code_iso"] == "UAH"
    products = api(poster, "menu.getProducts", token=token).json()["response"]
    assert products[0]["spots"][0]["price"] == "5500"


def test_the_token_exchange_takes_multipart_form_data_and_spends_the_code(poster):
    code = poster.authorize(account=ACCOUNT, application_id=APPLICATION_ID, redirect_uri=REDIRECT_URI)
    fields = {
        "application_id": APPLICATION_ID,
        "application_secret": APPLICATION_SECRET,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
        "code": code,
    }
    url = f"{poster.base_url}/{ACCOUNT}/api/v2/auth/access_token"
    first = httpx.post(url, files=[(k, (None, v)) for k, v in fields.items()]).json()
    assert first["access_token"].startswith("555111:") and len(first["access_token"].split(":")[1]) == 32
    assert first["account_number"] == "555111" and first["user"]["role_id"] == 3
    assert first["ownerInfo"]["company_name"] == "Kava Test"
    again = httpx.post(url, data=fields).json()
    assert "access_token" not in again and again["error_message"]


@pytest.mark.parametrize(
    "change",
    [{"application_secret": "wrong"}, {"application_id": "1"}, {"redirect_uri": "https://evil.example/cb"}],
)
def test_the_exchange_refuses_a_wrong_secret_app_or_redirect(poster, change):
    code = poster.authorize(account=ACCOUNT, application_id=APPLICATION_ID, redirect_uri=REDIRECT_URI)
    fields = {
        "application_id": APPLICATION_ID,
        "application_secret": APPLICATION_SECRET,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT_URI,
        "code": code,
        **change,
    }
    answer = httpx.post(f"{poster.base_url}/{ACCOUNT}/api/v2/auth/access_token", data=fields).json()
    assert "access_token" not in answer and {"code", "error_type", "error_message"} <= set(answer)


def test_a_code_is_for_the_account_in_the_host(poster):
    poster.account_add("other-cafe")
    code = poster.authorize(account=ACCOUNT, application_id=APPLICATION_ID, redirect_uri=REDIRECT_URI)
    fields = {"application_id": APPLICATION_ID, "application_secret": APPLICATION_SECRET,
              "grant_type": "authorization_code", "redirect_uri": REDIRECT_URI, "code": code}  # fmt: skip
    answer = httpx.post(f"{poster.base_url}/other-cafe/api/v2/auth/access_token", data=fields).json()
    assert "access_token" not in answer


def test_the_authorize_page_checks_the_registered_redirect(poster):
    page = httpx.get(
        f"{poster.base_url}/api/auth",
        params={"application_id": APPLICATION_ID, "redirect_uri": "https://evil.example/cb", "response_type": "code"},
    )
    assert page.status_code == 400


@pytest.fixture
def webhook_sink():
    """A loopback receiver that records what it is sent."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    received: list[tuple[dict, str]] = []

    class Sink(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((json.loads(raw), self.headers.get("Content-Type", "")))
            status = 200 if len(received) > 1 else 500  # the first delivery fails, like an outage
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_webhooks_are_sent_signed_and_a_failed_one_is_redelivered_unchanged(poster, webhook_sink):
    url, received = webhook_sink
    poster.webhook_url = url
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)])
    (opened, content_type), (added, _) = received
    assert content_type == "application/json"
    assert (opened["object"], opened["object_id"], opened["action"]) == ("transaction", transaction_id, "added")
    assert isinstance(opened["time"], str) and opened["account_number"] == "555111"
    assert "data" not in opened and isinstance(added["data"], str)
    assert json.loads(added["data"])["transactions_history"]["type_history"] == "additem"
    assert all(webhook_signature_valid(body, secret=APPLICATION_SECRET) for body, _ in received)
    assert [d.status for d in poster.deliveries()] == [500, 200]
    (again,) = poster.redeliver()
    assert again.status == 200 and received[-1][0] == opened


def test_an_install_sends_the_token_in_the_application_webhook(poster, webhook_sink):
    url, received = webhook_sink
    poster.webhook_url = url
    token = poster.install(ACCOUNT)
    ((body, _),) = received
    assert (body["object"], body["action"]) == ("application", "added")
    assert json.loads(body["data"]) == {"user_id": 1, "access_token": token}
    assert webhook_signature_valid(body, secret=APPLICATION_SECRET)


def test_the_control_api_drives_the_register(poster):
    base = f"{poster.base_url}/_control"
    opened = httpx.post(f"{base}/transactions", json={"account": ACCOUNT, "products": [{"product_id": "2"}]}).json()
    transaction_id = opened["transaction_id"]
    httpx.post(f"{base}/transactions/comment", json={"account": ACCOUNT, "transaction_id": transaction_id,
                                                    "comment": "stampcard:123456"})  # fmt: skip
    httpx.post(f"{base}/transactions/bonus", json={"account": ACCOUNT, "transaction_id": transaction_id, "bonus": 450})
    httpx.post(f"{base}/transactions/print_receipt", json={"account": ACCOUNT, "transaction_id": transaction_id,
                                                          "qr": "https://sc.example/r/x", "title": "Scan"})  # fmt: skip
    httpx.post(f"{base}/transactions/close", json={"account": ACCOUNT, "transaction_id": transaction_id})
    state = httpx.get(f"{base}/state").json()
    (row,) = state["accounts"][ACCOUNT]["transactions"]
    assert row == {"transaction_id": transaction_id, "status": 2, "sum": 4500, "bonus": 450, "due": 4050}
    assert [(r.transaction_id, r.qr, r.title) for r in poster.receipts_printed(ACCOUNT)] == [
        (transaction_id, "https://sc.example/r/x", "Scan")
    ]
    assert httpx.post(f"{base}/transactions/close", json={"account": ACCOUNT}).status_code == 400
    closed = {"account": ACCOUNT, "transaction_id": transaction_id, "bonus": 100}
    assert httpx.post(f"{base}/transactions/bonus", json=closed).status_code == 400  # only an open order takes one


def test_the_order_bonus_an_app_sets_is_paid_as_bonus_outside_the_paid_sum(poster):
    """``Poster.orders.setOrderBonus``: "the order amount paid through your application". A second call replaces the
    first; the close pays it as ``payed_bonus`` and only the rest in money, which is ``payed_sum``."""
    token = poster.token_issue(ACCOUNT)
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1), ("2", 1)])  # 55.00 + 45.00
    poster.transaction_set_bonus(ACCOUNT, transaction_id, 5500)
    poster.transaction_set_bonus(ACCOUNT, transaction_id, 1000)
    txn = poster.state.accounts[ACCOUNT].transactions[transaction_id]
    assert (txn.sum_cents, txn.bonus_cents, txn.due_cents) == (10000, 1000, 9000)

    poster.transaction_close(ACCOUNT, transaction_id)

    (row,) = api(poster, "dash.getTransaction", token=token, transaction_id=transaction_id).json()["response"]
    assert (row["sum"], row["payed_cash"], row["payed_bonus"], row["payed_sum"]) == ("10000", "9000", "1000", "9000")
    with pytest.raises(ValueError, match="not open"):
        poster.transaction_set_bonus(ACCOUNT, transaction_id, 0)
