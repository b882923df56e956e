"""A small client for the Google Wallet REST API (walletobjects v1), authenticated as a service account.

OAuth2 comes from google-auth: ``service_account.Credentials`` signs the JWT-bearer assertion and parses the token
response, and we hand it an httpx-backed ``google.auth.transport.Request`` (google-auth ships adapters for requests,
urllib3 and aiohttp only; ``Request``/``Response`` are its documented extension point), so every byte we send to
Google goes through one injected ``httpx.Client`` and tests point it at the stand-in over real sockets.

Nothing here may run inside a database transaction: see ``ensure_no_transaction``.
"""

import functools
import json
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import connection
from google.auth import exceptions as google_exceptions
from google.auth import transport as google_transport
from google.oauth2 import service_account

SCOPE = "https://www.googleapis.com/auth/wallet_object.issuer"
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class GoogleWalletError(Exception):
    """A call to Google failed. ``retryable`` says whether the same call may succeed later."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.retryable = retryable


class GoogleWalletNotConfigured(GoogleWalletError):
    pass


def ensure_no_transaction() -> None:
    """Refuse network I/O inside a database transaction (a test case's own wrapping transaction does not count)."""
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise RuntimeError("Google Wallet calls must not run inside a database transaction")


class _Response(google_transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(google_transport.Request):
    """google-auth's transport interface over an httpx client (used for the token endpoint)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            response = self.http.request(
                method, url, content=body, headers=dict(headers or {}), timeout=timeout or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.HTTPError as exc:
            raise google_exceptions.TransportError(exc) from exc
        return _Response(response)


@dataclass(frozen=True)
class ServiceAccount:
    email: str
    private_key_pem: str
    private_key_id: str
    info: dict[str, Any]


def is_configured() -> bool:
    """An issuer id and a readable key file: without them there is no Save button and nothing is patched."""
    path = settings.GOOGLE_SERVICE_ACCOUNT_FILE
    return bool(settings.GOOGLE_WALLET_ISSUER_ID and path and Path(path).is_file())


def service_account_load() -> ServiceAccount:
    """The service account from ``GOOGLE_SERVICE_ACCOUNT_FILE`` (the JSON key file Google Cloud hands out)."""
    if not is_configured():
        raise GoogleWalletNotConfigured("GOOGLE_WALLET_ISSUER_ID and GOOGLE_SERVICE_ACCOUNT_FILE must be set")
    path = Path(settings.GOOGLE_SERVICE_ACCOUNT_FILE)
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise GoogleWalletNotConfigured(f"cannot read the service account key {path}: {exc}") from exc
    return ServiceAccount(
        email=info["client_email"],
        private_key_pem=info["private_key"],
        private_key_id=info.get("private_key_id", ""),
        info=info,
    )


_credentials_lock = threading.Lock()
_credentials: dict[tuple[str, str], service_account.Credentials] = {}


def credentials_for(account: ServiceAccount) -> service_account.Credentials:
    """One credentials object per key and token endpoint per process, so the access token is reused until expiry."""
    key = (account.private_key_id or account.email, settings.GOOGLE_OAUTH_TOKEN_URL)
    with _credentials_lock:
        if key not in _credentials:
            info = {**account.info, "token_uri": settings.GOOGLE_OAUTH_TOKEN_URL}
            _credentials[key] = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])
        return _credentials[key]


class WalletClient:
    """``insert``/``get``/``patch``/``addMessage`` of walletobjects v1 resources (``loyaltyClass``,
    ``loyaltyObject``)."""

    def __init__(self, *, http: httpx.Client, account: ServiceAccount | None = None) -> None:
        self.http = http
        self.account = account or service_account_load()
        self.credentials = credentials_for(self.account)
        self.base_url = settings.GOOGLE_WALLET_API_URL.rstrip("/")

    def _token(self, *, force: bool = False) -> str:
        with _credentials_lock:
            if force or not self.credentials.valid:
                try:
                    self.credentials.refresh(HttpxRequest(self.http))
                except google_exceptions.TransportError as exc:
                    raise GoogleWalletError(f"token endpoint unreachable: {exc}", retryable=True) from exc
                except google_exceptions.RefreshError as exc:
                    retryable = bool(getattr(exc, "retryable", False))
                    raise GoogleWalletError(f"token refused: {exc}", retryable=retryable) from exc
            return str(self.credentials.token)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        ensure_no_transaction()
        url = f"{self.base_url}/{path}"
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._token(force=attempt > 0)}"}
            try:
                response = self.http.request(method, url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise GoogleWalletError(f"{method} {path}: {exc!r}", retryable=True) from exc
            if response.status_code == 401 and attempt == 0:
                continue  # the token expired or was revoked early: refresh once
            break
        if response.status_code >= 400:
            try:
                detail: Any = response.json()
            except ValueError:
                detail = response.text[:500]
            raise GoogleWalletError(
                f"{method} {path}: HTTP {response.status_code}",
                status=response.status_code,
                body=detail,
                retryable=response.status_code in RETRYABLE_STATUSES,
            )
        result: dict[str, Any] = response.json() if response.content else {}
        return result

    def insert(self, resource: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", resource, body)

    def get(self, resource: str, resource_id: str) -> dict[str, Any]:
        return self._call("GET", f"{resource}/{quote(resource_id, safe='')}")

    def patch(self, resource: str, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PATCH", f"{resource}/{quote(resource_id, safe='')}", body)

    def add_message(self, resource: str, resource_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """``POST {resource}/{id}/addMessage`` with an ``AddMessageRequest``; answers ``{"resource": ...}``."""
        return self._call("POST", f"{resource}/{quote(resource_id, safe='')}/addMessage", {"message": message})


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Building a context loads the whole CA bundle (about 20 ms of CPU): done once per process and shared, which
    # the ssl module allows across threads. httpx's own defaults, as a client without ``verify`` would make.
    return httpx.create_ssl_context()


def http_client() -> httpx.Client:
    return httpx.Client(timeout=settings.GOOGLE_WALLET_TIMEOUT_SECONDS, verify=_tls_context())
