"""The APNs client for pass updates: HTTP/2 with httpx, token auth (ES256 JWT) or the pass certificate as TLS client
certificate, an empty JSON payload, topic = the pass type id (shared/reference/wallet.md section 3).

Wallet fetches the pass itself after the push; the payload is ignored, the ``changeMessage`` of the changed field is
what the customer sees.
"""

import asyncio
import logging
import os
import ssl
import threading
import time
from dataclasses import dataclass

import httpx
import jwt

from stampcard.wallet.apple import credentials

logger = logging.getLogger(__name__)

# APNs wants a provider token refreshed at most every 20 and at least every 60 minutes.
TOKEN_LIFETIME_SECONDS = 40 * 60
# Apple documents no push type for pass updates; "background" with priority 5 is what servers send that work
# (wallet.md, Uncertain), and background pushes must use priority 5.
PUSH_HEADERS = {"apns-push-type": "background", "apns-priority": "5"}
CONCURRENT_STREAMS = 8
# Reasons of a 400 that mean the token will never work for this topic.
DEAD_TOKEN_REASONS = {"BadDeviceToken", "DeviceTokenNotForTopic"}
# How a kept connection that APNs closed meanwhile (an idle or an old one) fails the next push: at the socket, before
# any answer. Not a timeout: a server that does not answer in time is not asked again at once.
CONNECTION_LOST = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class PushResult:
    push_token: str
    status: int  # 0 = no answer (connection error, timeout)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def token_dead(self) -> bool:
        """The token is no longer active for the topic: forget its registrations."""
        return self.status == 410 or (self.status == 400 and self.reason in DEAD_TOKEN_REASONS)

    @property
    def retry(self) -> bool:
        """Worth trying again later: too many requests, a server error or no answer."""
        return self.status in {0, 429} or self.status >= 500


class _ProviderToken:
    """The ES256 JWT sent as ``authorization: bearer``, reused until it is TOKEN_LIFETIME_SECONDS old."""

    def __init__(self, key: credentials.ApnsTokenKey) -> None:
        self._key = key
        self._lock = threading.Lock()
        self._value = ""
        self._issued = 0.0

    def get(self) -> str:
        with self._lock:
            now = time.time()
            if not self._value or now - self._issued > TOKEN_LIFETIME_SECONDS:
                self._value = jwt.encode(
                    {"iss": self._key.team_id, "iat": int(now)},
                    self._key.key,
                    algorithm="ES256",
                    headers={"kid": self._key.key_id},
                )
                self._issued = now
            return self._value


_tokens: dict[tuple[str, str], _ProviderToken] = {}
_tokens_lock = threading.Lock()


def _provider_token(key: credentials.ApnsTokenKey) -> _ProviderToken:
    with _tokens_lock:
        cache_key = (key.key_id, key.team_id)
        if cache_key not in _tokens or _tokens[cache_key]._key.key is not key.key:
            _tokens[cache_key] = _ProviderToken(key)
        return _tokens[cache_key]


def _tls_context() -> ssl.SSLContext:
    conf = credentials.conf()
    ca_file = conf["APNS_CA_FILE"] or None
    if ca_file and not os.path.exists(ca_file):
        # The demo's stand-in writes it on its first start; until then pushes fail and are retried.
        logger.warning("APNS_CA_FILE %s does not exist (yet); using the system's CAs", ca_file)
        ca_file = None
    context = ssl.create_default_context(cafile=ca_file)
    if credentials.apns_token_key() is None:
        signer = credentials.pass_signer()
        context.load_cert_chain(signer.chain_path, signer.key_path)
    return context


def http_client_build() -> httpx.Client:
    """An HTTP/2 client for the configured APNs server (certificate auth when no token key is configured)."""
    conf = credentials.conf()
    return httpx.Client(
        http2=True, base_url=conf["APNS_URL"], verify=_tls_context(), timeout=conf["APNS_TIMEOUT_SECONDS"]
    )


def async_http_client_build() -> httpx.AsyncClient:
    """The same, for many pushes multiplexed over one connection (``ApnsClient.push_many``)."""
    conf = credentials.conf()
    return httpx.AsyncClient(
        http2=True, base_url=conf["APNS_URL"], verify=_tls_context(), timeout=conf["APNS_TIMEOUT_SECONDS"]
    )


class ApnsClient:
    """Sends pass-update pushes. ``http`` is injected in tests (a client for the stand-in, or MockTransport)."""

    def __init__(self, http: httpx.Client | None = None, *, topic: str | None = None) -> None:
        self._http = http or http_client_build()
        self._owns_http = http is None
        self._topic = topic or credentials.conf()["PASS_TYPE_ID"]
        key = credentials.apns_token_key()
        self._token = _provider_token(key) if key is not None else None

    def __enter__(self) -> "ApnsClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _headers(self) -> dict[str, str]:
        headers = {"apns-topic": self._topic, **PUSH_HEADERS}
        if self._token is not None:
            headers["authorization"] = f"bearer {self._token.get()}"
        return headers

    def push(self, push_token: str) -> PushResult:
        """Push once. A connection found closed is replaced and the push sent again, once: a sending round keeps its
        connection (``wallet.clients``), and APNs may have closed it since the last push. Twice at APNs is harmless
        (the payload is empty; the phone fetches the same pass)."""
        try:
            try:
                response = self._post(push_token)
            except CONNECTION_LOST:
                response = self._post(push_token)  # httpx opens a new connection
        except httpx.HTTPError as exc:
            return _unanswered(push_token, exc)
        return _result(push_token, response)

    def _post(self, push_token: str) -> httpx.Response:
        return self._http.post(f"/3/device/{push_token}", content=b"{}", headers=self._headers())

    def push_many(self, push_tokens: list[str]) -> list[PushResult]:
        """Push to each token once, ``CONCURRENT_STREAMS`` streams at a time over one HTTP/2 connection.

        The streams are multiplexed by an asyncio client: httpx's sync HTTP/2 connection must not be shared between
        threads (its h2 state and HPACK encoder are not locked; concurrent requests corrupt the connection, see
        encode/httpx#3002). An injected sync client (tests) is used one push at a time.
        """
        unique = list(dict.fromkeys(push_tokens))
        if len(unique) <= 1 or not self._owns_http:
            return [self.push(token) for token in unique]
        return asyncio.run(self._push_many(unique))

    async def _push_many(self, push_tokens: list[str]) -> list[PushResult]:
        streams = asyncio.Semaphore(CONCURRENT_STREAMS)

        async def one(http: httpx.AsyncClient, push_token: str) -> PushResult:
            async with streams:
                try:
                    response = await http.post(f"/3/device/{push_token}", content=b"{}", headers=self._headers())
                except httpx.HTTPError as exc:
                    return _unanswered(push_token, exc)
                return _result(push_token, response)

        async with async_http_client_build() as http:
            return list(await asyncio.gather(*(one(http, token) for token in push_tokens)))


def _unanswered(push_token: str, exc: Exception) -> PushResult:
    logger.warning("APNs push to %s… failed: %s", push_token[:8], exc)
    return PushResult(push_token, 0, type(exc).__name__)


def _result(push_token: str, response: httpx.Response) -> PushResult:
    reason = ""
    if response.status_code != 200:
        try:
            reason = str(response.json().get("reason", ""))
        except ValueError:
            reason = response.text[:100]
        if response.status_code == 403:
            logger.error("APNs refused our credentials (%s): check the APNs key or pass certificate", reason)
    return PushResult(push_token, response.status_code, reason)
