"""A client for Poster's Web API and its OAuth token exchange, over an injected ``httpx.Client``.

Protocol facts (reference/poster.md §1, DOCS en/start/request.md, en/web/errors.md, en/start/authApi.md):

- A call is ``{POSTER_API_URL}/{method}?format=json&token={token}&param=value``; the token goes in the query string,
  the way Poster's docs and official libraries send it. Reads are GET.
- Answers are ``{"response": ...}`` or ``{"error": {"code": 11, "message": "Bad access token"}}`` **with HTTP 200**
  (live-verified by CUP), so the status code alone never says a call worked: ``PosterApiError`` carries Poster's
  code and message.
- Numbers in ``dash.*`` answers are strings; money there is in hundredths (see ``money``). The parsed shapes below
  name their scale (``*_cents``) so nothing downstream guesses.

Retries: transport errors and HTTP 5xx are retried with exponential backoff, at most ``POSTER_MAX_ATTEMPTS`` tries
in all; a POST (the code exchange, which a retry could spend twice) is retried only when the request never left.
Nothing here may run inside a database transaction (``ensure_no_transaction``): a slow Poster must not hold locks.
"""

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.db import connections

from stampcard.poster import money

logger = logging.getLogger(__name__)

ACCOUNT_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
TOKEN_ERRORS = frozenset({10, 11, 12})
NOT_FOUND_ERRORS = frozenset({32, 404})
RATE_LIMIT_ERRORS = frozenset({700})


class PosterApiError(Exception):
    """Poster answered with an error, or could not be reached. ``code`` is Poster's own (int) when it sent one;
    ``retryable`` says whether the same call may work later (network trouble, 5xx, rate limit)."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        method: str = "",
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(f"{method or 'poster'}: {message}" + (f" (code {code})" if code is not None else ""))
        self.code = code
        self.poster_message = message
        self.method = method
        self.status = status
        self.retryable = retryable


class PosterTokenError(PosterApiError):
    """The token is missing, invalid or expired (codes 10, 11, 12): the merchant must connect again."""


class PosterNotFound(PosterApiError):
    """The id does not exist (code 32) or the record is not found (404)."""


class PosterUnavailable(PosterApiError):
    """No usable answer after the retries: network errors, HTTP 5xx or a non-JSON body."""


def ensure_no_transaction() -> None:
    """Refuse network I/O inside a database transaction, on any configured database.

    The atomic block a Django ``TestCase`` (pytest-django's default ``django_db``) wraps each test in is not a
    transaction of the code under test, so it does not count; any ``atomic()`` the code itself opened does, in
    every kind of test.
    """
    for alias in connections:
        connection = connections[alias]
        if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            raise RuntimeError("Poster API calls must not run inside a database transaction")


def account_valid(account: str) -> bool:
    """A Poster account login as it appears in ``{account}.joinposter.com`` (it becomes part of a URL we call)."""
    return bool(ACCOUNT_RE.match(account or ""))


# -- parsed answers ------------------------------------------------------------------------------------------------


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _millis(value: Any) -> datetime | None:
    ms = _int(value)
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms > 0 else None


@dataclass(frozen=True)
class TransactionProduct:
    product_id: str
    modification_id: str
    num: Decimal
    product_price_cents: int
    payed_sum_cents: int


@dataclass(frozen=True)
class Transaction:
    """One ``dash.getTransaction`` answer. Money in Poster hundredths (``*_cents``), ids as strings."""

    transaction_id: str
    status: int  # 1 open, 2 closed, 3 removed
    spot_id: str
    date_start: datetime | None
    date_close: datetime | None
    payed_sum_cents: int  # cash + card: money really taken (bonus, certificate, third party excluded)
    payed_cash_cents: int
    payed_card_cents: int
    payed_bonus_cents: int
    payed_cert_cents: int
    payed_third_party_cents: int
    sum_cents: int  # before discounts
    client_id: str
    card_number: str
    comment: str
    print_fiscal: int  # 0 not printed, 1 printed, 2 fiscal return
    extras: dict[str, Any]
    products: list[TransactionProduct] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    STATUS_OPEN = 1
    STATUS_CLOSED = 2
    STATUS_REMOVED = 3

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "Transaction":
        extras = payload.get("extras")
        if isinstance(extras, str):
            try:
                extras = json.loads(extras)
            except ValueError:
                extras = {}
        return cls(
            transaction_id=_str(payload.get("transaction_id")),
            status=_int(payload.get("status")),
            spot_id=_str(payload.get("spot_id")),
            date_start=_millis(payload.get("date_start")),
            date_close=_millis(payload.get("date_close")),
            payed_sum_cents=money.cents(payload.get("payed_sum")),
            payed_cash_cents=money.cents(payload.get("payed_cash")),
            payed_card_cents=money.cents(payload.get("payed_card")),
            payed_bonus_cents=money.cents(payload.get("payed_bonus")),
            payed_cert_cents=money.cents(payload.get("payed_cert")),
            payed_third_party_cents=money.cents(payload.get("payed_third_party")),
            sum_cents=money.cents(payload.get("sum")),
            client_id=_str(payload.get("client_id")),
            card_number=_str(payload.get("card_number")),
            comment=_str(payload.get("transaction_comment")),
            print_fiscal=_int(payload.get("print_fiscal")),
            extras=dict(extras) if isinstance(extras, dict) else {},
            products=[
                TransactionProduct(
                    product_id=_str(p.get("product_id")),
                    modification_id=_str(p.get("modification_id")),
                    num=Decimal(_str(p.get("num")) or "0"),
                    product_price_cents=money.cents(p.get("product_price")),
                    payed_sum_cents=money.cents(p.get("payed_sum")),
                )
                for p in payload.get("products") or []
            ],
            raw=dict(payload),
        )

    def paid_minor(self, *, currency: str) -> int:
        """The money the customer really paid, in ``currency``'s minor units: the total per-amount stamps count."""
        return money.cents_to_minor(self.payed_sum_cents, currency=currency)


@dataclass(frozen=True)
class Spot:
    spot_id: str
    name: str
    address: str


@dataclass(frozen=True)
class AccountSettings:
    account: str  # COMPANY_ID
    company_name: str
    currency: str  # ISO 4217
    timezone: str
    lang: str


@dataclass(frozen=True)
class TokenGrant:
    """The answer of ``/api/v2/auth/access_token``. ``access_token`` is ``"{account_number}:{32 hex}"``."""

    access_token: str
    account_number: str
    user: dict[str, Any]
    owner_info: dict[str, Any]
    tariff: dict[str, Any] | None


# -- transport ------------------------------------------------------------------------------------------------------


class _Transport:
    def __init__(self, *, http: httpx.Client, sleep: Callable[[float], None] | None = None) -> None:
        self.http = http
        self.sleep = sleep or time.sleep
        self.max_attempts = max(1, int(settings.POSTER_MAX_ATTEMPTS))
        self.backoff = float(settings.POSTER_RETRY_BACKOFF_SECONDS)

    def delay(self, attempt: int) -> float:
        """Before try ``attempt + 1``: backoff, 2x backoff, 4x … capped at 30 s."""
        return float(min(self.backoff * 2 ** (attempt - 1), 30.0))

    def send(self, request: httpx.Request, *, label: str, idempotent: bool) -> httpx.Response:
        ensure_no_transaction()
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.http.send(request)
            except httpx.TransportError as exc:
                # A POST that may have reached Poster is not repeated: the code exchange spends its code.
                sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if not idempotent and sent:
                    raise PosterUnavailable(f"no answer: {exc!r}", method=label, retryable=True) from exc
                last = exc
            else:
                if response.status_code < 500:
                    return response
                last = PosterUnavailable(f"HTTP {response.status_code}", method=label, status=response.status_code)
            if attempt < self.max_attempts:
                logger.info("poster %s failed (%s); retry %d of %d", label, last, attempt, self.max_attempts - 1)
                self.sleep(self.delay(attempt))
        if isinstance(last, PosterUnavailable):
            last.retryable = True
            raise last
        raise PosterUnavailable(f"no answer after {self.max_attempts} tries: {last!r}", method=label, retryable=True)


def _json(response: httpx.Response, *, label: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise PosterUnavailable(
            f"not JSON (HTTP {response.status_code}): {response.text[:200]!r}",
            method=label,
            status=response.status_code,
            retryable=response.status_code >= 500,
        ) from exc


def _raise_for_error(error: Any, *, label: str, status: int) -> None:
    if isinstance(error, Mapping):
        code = _int(error.get("code"), default=-1)
        message = _str(error.get("message") or error.get("error_message"))
    else:
        code, message = -1, _str(error)
    code_or_none = None if code == -1 else code
    if code in TOKEN_ERRORS:
        raise PosterTokenError(message, code=code, method=label, status=status)
    if code in NOT_FOUND_ERRORS:
        raise PosterNotFound(message, code=code, method=label, status=status)
    raise PosterApiError(message, code=code_or_none, method=label, status=status, retryable=code in RATE_LIMIT_ERRORS)


# -- the Web API ----------------------------------------------------------------------------------------------------


class PosterClient:
    """Web API calls for one account's token."""

    def __init__(
        self,
        *,
        http: httpx.Client,
        token: str,
        api_url: str | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.token = token
        self.api_url = (api_url or settings.POSTER_API_URL).rstrip("/")
        self.transport = _Transport(http=http, sleep=sleep)

    def call(self, method: str, **params: Any) -> Any:
        """GET ``method`` and return its ``response``. Raises PosterApiError (or a subclass)."""
        query = {"format": "json", "token": self.token}
        query.update({name: _query_value(value) for name, value in params.items() if value is not None})
        request = self.transport.http.build_request("GET", f"{self.api_url}/{method}", params=query)
        response = self.transport.send(request, label=method, idempotent=True)
        body = _json(response, label=method)
        if not isinstance(body, Mapping):
            raise PosterApiError(f"unexpected answer {str(body)[:200]!r}", method=method, status=response.status_code)
        if "error" in body:
            _raise_for_error(body["error"], label=method, status=response.status_code)
        if response.status_code >= 400 or "response" not in body:
            raise PosterApiError(
                f"HTTP {response.status_code} without a response", method=method, status=response.status_code
            )
        return body["response"]

    def transaction_get(self, *, transaction_id: str | int) -> Transaction:
        """``dash.getTransaction`` with its products and history. Raises PosterNotFound for an unknown id (Poster's
        error 32, or the empty list the method may also answer with)."""
        found = self.call(
            "dash.getTransaction", transaction_id=transaction_id, include_products=True, include_history=True
        )
        rows = found if isinstance(found, list) else [found] if isinstance(found, Mapping) else []
        if not rows or not isinstance(rows[0], Mapping):
            raise PosterNotFound("no such transaction", code=None, method="dash.getTransaction")
        return Transaction.from_payload(rows[0])

    def spots_get(self) -> list[Spot]:
        """``access.getSpots``: the spots (``spot_id``, ``spot_name``, ``spot_adress`` in Poster's spelling)."""
        return [
            Spot(spot_id=_str(s.get("spot_id")), name=_str(s.get("spot_name")), address=_str(s.get("spot_adress")))
            for s in self.call("access.getSpots") or []
            if isinstance(s, Mapping)
        ]

    def settings_get(self) -> AccountSettings:
        """``settings.getAllSettings``: the account's display name (``company_name``), login and currency."""
        answer = self.call("settings.getAllSettings")
        found: Mapping[str, Any] = answer if isinstance(answer, Mapping) else {}
        raw_currency = found.get("currency")
        currency: Mapping[str, Any] = raw_currency if isinstance(raw_currency, Mapping) else {}
        return AccountSettings(
            account=_str(found.get("COMPANY_ID")),
            company_name=_str(found.get("company_name")),
            currency=_str(currency.get("currency_code_iso")).upper(),
            timezone=_str(found.get("timezones")),
            lang=_str(found.get("lang")),
        )

    def client_get(self, *, client_id: str | int) -> dict[str, Any]:
        """``clients.getClient``: a Poster customer. ``bonus``, ``total_payed_sum`` and ``ewallet`` come in
        hundredths; they are returned under ``*_cents`` keys beside the raw fields."""
        found = self.call("clients.getClient", client_id=client_id)
        row = found[0] if isinstance(found, list) and found else found
        if not isinstance(row, Mapping) or not row:
            raise PosterNotFound("no such client", method="clients.getClient")
        result = dict(row)
        for name in ("bonus", "total_payed_sum", "ewallet"):
            result[f"{name}_cents"] = money.cents(row.get(name))
        return result


def _query_value(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


# -- OAuth -----------------------------------------------------------------------------------------------------------


def access_token_url(account: str) -> str:
    if not account_valid(account):
        raise ValueError(f"not a Poster account login: {account!r}")
    return settings.POSTER_OAUTH_TOKEN_URL.format(account=account)


def access_token_exchange(
    *,
    http: httpx.Client,
    account: str,
    code: str,
    redirect_uri: str | None = None,
    sleep: Callable[[float], None] | None = None,
) -> TokenGrant:
    """Step 3 of Poster's OAuth: POST ``application_id, application_secret, grant_type=authorization_code,
    redirect_uri, code`` as multipart form-data (the docs' curl uses ``-F``) to
    ``https://{account}.joinposter.com/api/v2/auth/access_token``.

    A failure is documented as ``{code, error_type, error_message}`` (HTTP status not documented); any answer
    without an ``access_token`` is treated as one.
    """
    label = "auth.access_token"
    fields = {
        "application_id": str(settings.POSTER_APPLICATION_ID),
        "application_secret": settings.POSTER_APPLICATION_SECRET,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri or settings.POSTER_OAUTH_REDIRECT_URI,
        "code": code,
    }
    # (None, value): a plain form field inside multipart/form-data, not a file.
    request = http.build_request(
        "POST", access_token_url(account), files=[(name, (None, value)) for name, value in fields.items()]
    )
    response = _Transport(http=http, sleep=sleep).send(request, label=label, idempotent=False)
    body = _json(response, label=label)
    if not isinstance(body, Mapping):
        raise PosterApiError("unexpected answer", method=label, status=response.status_code)
    if "error" in body:
        _raise_for_error(body["error"], label=label, status=response.status_code)
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        message = _str(body.get("error_message") or body.get("message") or "no access_token in the answer")
        raise PosterApiError(message, code=_int(body.get("code"), default=-1) if "code" in body else None,
                             method=label, status=response.status_code)  # fmt: skip
    tariff = body.get("tariff")
    return TokenGrant(
        access_token=token,
        account_number=_str(body.get("account_number")) or token.partition(":")[0],
        user=dict(body.get("user") or {}),
        owner_info=dict(body.get("ownerInfo") or {}),
        tariff=dict(tariff) if isinstance(tariff, Mapping) else None,
    )


def http_client() -> httpx.Client:
    return httpx.Client(timeout=float(settings.POSTER_TIMEOUT_SECONDS))
