"""The Web API client: token in the query, HTTP-200 errors, money scales, bounded retries, the transaction guard."""

import json
from urllib.parse import parse_qs

import httpx
import pytest
from django.db import transaction

from stampcard.poster import client as poster_client
from stampcard.poster import money
from stampcard.poster.client import PosterApiError, PosterClient, PosterNotFound, PosterTokenError, PosterUnavailable

API = "https://joinposter.com/api"

TRANSACTION = {
    "transaction_id": "330660",
    "date_start": "1518873040083",
    "date_close": "1518873046314",
    "status": "2",
    "pay_type": "3",
    "payed_bonus": "500",
    "payed_card": "1000",
    "payed_cash": "2750",
    "payed_sum": "3750",
    "payed_cert": "0",
    "payed_third_party": "0",
    "sum": "4250",
    "spot_id": "1",
    "client_id": "0",
    "card_number": "0",
    "transaction_comment": None,
    "print_fiscal": "0",
    "products": [
        {"product_id": "162", "modification_id": "0", "num": "1", "product_price": "1050", "payed_sum": "1050"},
        {"product_id": "161", "modification_id": "0", "num": "2", "product_price": "3200", "payed_sum": "2700"},
    ],
}


def client_for(handler, *, sleeps=None, settings=None) -> PosterClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return PosterClient(http=http, token="861052:secret-token", api_url=API, sleep=(sleeps.append if sleeps is not None
                                                                                    else lambda s: None))  # fmt: skip


def answer(payload, status=200):
    return lambda request: httpx.Response(status, json=payload)


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.POSTER_MAX_ATTEMPTS = 3
    settings.POSTER_RETRY_BACKOFF_SECONDS = 0.5


# -- call format and errors ------------------------------------------------------------------------------------------


def test_a_call_sends_the_token_and_format_in_the_query_string():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"response": [TRANSACTION]})

    client_for(handler).transaction_get(transaction_id=330660)
    (request,) = seen
    assert request.method == "GET"
    assert request.url.path == "/api/dash.getTransaction"
    query = parse_qs(request.url.query.decode())
    assert query == {
        "format": ["json"],
        "token": ["861052:secret-token"],
        "transaction_id": ["330660"],
        "include_products": ["true"],
        "include_history": ["true"],
    }
    assert "authorization" not in request.headers


def test_an_error_body_with_http_200_raises_a_typed_error_with_poster_code_and_message():
    client = client_for(answer({"error": {"code": 11, "message": "Bad access token"}}))
    with pytest.raises(PosterTokenError) as caught:
        client.spots_get()
    assert caught.value.code == 11
    assert caught.value.poster_message == "Bad access token"
    assert caught.value.status == 200
    assert caught.value.method == "access.getSpots"
    assert not caught.value.retryable


@pytest.mark.parametrize("code", [10, 11, 12])
def test_missing_invalid_and_expired_tokens_are_token_errors(code):
    with pytest.raises(PosterTokenError):
        client_for(answer({"error": {"code": code, "message": "..."}})).spots_get()


def test_an_unknown_id_is_not_found():
    with pytest.raises(PosterNotFound) as caught:
        client_for(answer({"error": {"code": 32, "message": "The ID doesn't exist"}})).transaction_get(transaction_id=1)
    assert caught.value.code == 32


def test_an_empty_transaction_list_is_not_found_too():
    with pytest.raises(PosterNotFound):
        client_for(answer({"response": []})).transaction_get(transaction_id=1)


def test_other_error_codes_keep_their_code_and_the_rate_limit_is_retryable():
    with pytest.raises(PosterApiError) as caught:
        client_for(answer({"error": {"code": 20, "message": "not allowed"}})).spots_get()
    assert type(caught.value) is PosterApiError and caught.value.code == 20 and not caught.value.retryable
    with pytest.raises(PosterApiError) as limited:
        client_for(answer({"error": {"code": 700, "message": "Rate restriction"}})).spots_get()
    assert limited.value.retryable


def test_a_body_that_is_not_json_is_unavailable():
    with pytest.raises(PosterUnavailable):
        client_for(lambda r: httpx.Response(200, text="<html>maintenance</html>")).spots_get()


# -- money -------------------------------------------------------------------------------------------------------


def test_dash_get_transaction_amounts_are_hundredths_given_as_strings():
    found = client_for(answer({"response": [TRANSACTION]})).transaction_get(transaction_id=330660)
    assert found.status == 2 and found.transaction_id == "330660" and found.spot_id == "1"
    assert found.payed_sum_cents == 3750
    assert (found.payed_cash_cents, found.payed_card_cents, found.payed_bonus_cents) == (2750, 1000, 500)
    assert found.sum_cents == 4250
    assert [p.payed_sum_cents for p in found.products] == [1050, 2700]
    assert found.date_close is not None and found.date_close.timestamp() == pytest.approx(1518873046.314)


def test_the_paid_total_is_cash_plus_card_in_minor_units_of_the_currency():
    found = client_for(answer({"response": [TRANSACTION]})).transaction_get(transaction_id=330660)
    assert found.paid_minor(currency="UAH") == 3750  # 37.50 UAH: Poster's hundredths are kopecks
    assert found.paid_minor(currency="JPY") == 38  # a currency without decimals: 37.50 rounds half up
    assert found.paid_minor(currency="KWD") == 37500  # three decimals


def test_pos_platform_amounts_are_major_units():
    assert money.major_to_minor(10.5, currency="UAH") == 1050
    assert money.major_to_minor(0.1 + 0.2, currency="UAH") == 30  # the float's noise does not leak into kopecks
    assert money.major_to_minor("27.5", currency="UAH") == 2750
    assert money.major_to_minor(27.5, currency="JPY") == 28


def test_fractional_hundredths_and_non_numbers_are_refused():
    assert money.cents("2750") == 2750 and money.cents("") == 0 and money.cents(None) == 0
    with pytest.raises(money.MoneyFormatError):
        money.cents("27.50")
    with pytest.raises(money.MoneyFormatError):
        money.cents("abc")
    with pytest.raises(money.MoneyFormatError):
        money.major_to_minor(True, currency="UAH")


def test_client_amounts_are_hundredths_beside_the_raw_fields():
    payload = [{"client_id": "7", "bonus": "1500", "total_payed_sum": "123400", "ewallet": "0"}]
    found = client_for(answer({"response": payload})).client_get(client_id=7)
    assert (found["bonus_cents"], found["total_payed_sum_cents"], found["bonus"]) == (1500, 123400, "1500")


def test_settings_give_the_account_name_and_currency():
    payload = {"COMPANY_ID": "demo", "company_name": "Демо", "currency": {"currency_code_iso": "uah"}, "lang": "ua"}
    found = client_for(answer({"response": payload})).settings_get()
    assert (found.account, found.company_name, found.currency, found.lang) == ("demo", "Демо", "UAH", "ua")


# -- retries -------------------------------------------------------------------------------------------------------


def test_transport_errors_are_retried_with_exponential_backoff_then_succeed():
    attempts, sleeps = [], []

    def handler(request):
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"response": []})

    assert client_for(handler, sleeps=sleeps).spots_get() == []
    assert len(attempts) == 3
    assert sleeps == [0.5, 1.0]


def test_5xx_is_retried_and_the_retries_are_bounded():
    attempts, sleeps = [], []

    def handler(request):
        attempts.append(request)
        return httpx.Response(503, text="busy")

    with pytest.raises(PosterUnavailable) as caught:
        client_for(handler, sleeps=sleeps).spots_get()
    assert len(attempts) == 3 and sleeps == [0.5, 1.0]
    assert caught.value.retryable and caught.value.status == 503


def test_a_read_timeout_is_retried_for_a_read():
    attempts = []

    def handler(request):
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"response": []})

    client_for(handler).spots_get()
    assert len(attempts) == 2


def test_4xx_is_not_retried():
    attempts = []

    def handler(request):
        attempts.append(request)
        return httpx.Response(404, json={"error": {"code": 404, "message": "Record not found"}})

    with pytest.raises(PosterNotFound):
        client_for(handler).spots_get()
    assert len(attempts) == 1


def _exchange(handler, settings):
    settings.POSTER_OAUTH_TOKEN_URL = "https://{account}.joinposter.com/api/v2/auth/access_token"
    settings.POSTER_APPLICATION_ID = "76"
    settings.POSTER_APPLICATION_SECRET = "9642176a5cdfe3f65e6e00c27b668795"
    settings.POSTER_OAUTH_REDIRECT_URI = "http://localhost:8080/"
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return poster_client.access_token_exchange(http=http, account="api-demo", code="bd8f3168", sleep=lambda s: None)


def test_the_code_exchange_posts_the_documented_form_data_fields(settings):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"access_token": "861052:0239", "account_number": "861052", "user": {"id": 4}})

    grant = _exchange(handler, settings)
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api-demo.joinposter.com/api/v2/auth/access_token"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.content.decode()
    for name, value in [
        ("application_id", "76"),
        ("application_secret", "9642176a5cdfe3f65e6e00c27b668795"),
        ("grant_type", "authorization_code"),
        ("redirect_uri", "http://localhost:8080/"),
        ("code", "bd8f3168"),
    ]:
        assert f'name="{name}"\r\n\r\n{value}\r\n' in body
    assert 'filename="' not in body
    assert "token" not in request.url.query.decode()
    assert (grant.access_token, grant.account_number, grant.user) == ("861052:0239", "861052", {"id": 4})


def test_a_refused_exchange_raises_with_the_documented_error_fields(settings):
    refusal = {"code": 400, "error_type": "invalid_code", "error_message": "Invalid code"}
    with pytest.raises(PosterApiError) as caught:
        _exchange(answer(refusal), settings)
    assert caught.value.code == 400 and caught.value.poster_message == "Invalid code"


def test_the_exchange_is_retried_only_when_the_request_never_left(settings):
    attempts = []

    def refused_then_ok(request):
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"access_token": "1:abc", "account_number": "1"})

    assert _exchange(refused_then_ok, settings).access_token == "1:abc"
    assert len(attempts) == 2

    attempts.clear()

    def slow(request):
        attempts.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(PosterUnavailable):
        _exchange(slow, settings)
    assert len(attempts) == 1  # the code may already be spent: not sent twice


def test_an_account_that_is_not_a_poster_login_never_reaches_a_url(settings):
    settings.POSTER_OAUTH_TOKEN_URL = "https://{account}.joinposter.com/api/v2/auth/access_token"
    for account in ["evil.com/x", "a@b", "", "UPPER", "-lead", "a" * 64]:
        with pytest.raises(ValueError):
            poster_client.access_token_url(account)
    assert poster_client.access_token_url("kava-6") == "https://kava-6.joinposter.com/api/v2/auth/access_token"


# -- never inside a transaction --------------------------------------------------------------------------------------


def _never_called(request):
    raise AssertionError("the request must not be sent")


@pytest.mark.django_db
def test_a_call_inside_a_transaction_is_refused_before_anything_is_sent():
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a database transaction"):
        client_for(_never_called).spots_get()


@pytest.mark.django_db
def test_the_test_cases_own_wrapping_transaction_does_not_count():
    assert client_for(answer({"response": []})).spots_get() == []


@pytest.mark.django_db(transaction=True)
def test_with_real_transactions_the_guard_allows_autocommit_and_refuses_atomic():
    assert client_for(answer({"response": []})).spots_get() == []
    with transaction.atomic(), pytest.raises(RuntimeError):
        client_for(_never_called).spots_get()


@pytest.mark.django_db(transaction=True)
def test_the_code_exchange_is_refused_inside_a_transaction_too(settings):
    with transaction.atomic(), pytest.raises(RuntimeError):
        _exchange(_never_called, settings)


def test_error_payloads_survive_json_round_trips():
    # Poster sends codes as numbers; a proxy that stringifies them must not turn a token error into a generic one.
    body = json.loads(json.dumps({"error": {"code": "11", "message": "Bad access token"}}))
    with pytest.raises(PosterTokenError):
        client_for(answer(body)).spots_get()
