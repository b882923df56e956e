"""The wallet clients one sending round shares: one HTTP/2 connection to APNs for every Apple pass it pushes, one
HTTP client (and the OAuth access token cached per process, until it expires) for every Google object it writes to.
Opened on first use, closed when the round ends, also when it fails (``with WalletClients() as clients:``).

Why. A round of a message (a campaign, an automation) sends to one card after another; with a client built per send,
10,000 Apple cards opened 10,000 TLS connections to APNs in a few minutes. Apple asks for the opposite: "Keep your
connections with APNs open across multiple notifications; don't repeatedly open and close connections. APNs treats
rapid connection and disconnection as a denial-of-service attack." (Apple's APNs guide, quoted in jpoz/apns#35; its
current page, developer.apple.com/documentation/usernotifications/establishing-a-connection-to-apns, allows several
connections "to improve performance", not one per notification.) Google's API gains the same: no TCP and TLS
handshake per card.

Why handed down and not held in a contextvar: the sender opens the round's clients and passes them to each send, so
what a send talks through is in its signature and a test can hand in its own; a send outside a round (a retry task,
the shell) builds its own clients, as before, and never picks up a connection it did not open. A contextvar would
make a send's connections depend, unseen, on who called it.

One thread: httpx's sync HTTP/2 connection must not be shared between threads (``apns.ApnsClient.push_many``); a
round sends one card after another in its worker's thread, and each round (each thread) has its own clients.

A connection the server closed meanwhile: a push that finds the APNs connection closed (APNs closes idle and old
ones) is sent again at once over a new one (``ApnsClient.push``); httpx notices a Google keep-alive connection closed
while idle before reusing it. What still fails is an unanswered send, retried with the sender's backoff.
"""

import logging

import httpx

from stampcard.wallet.apple import apns
from stampcard.wallet.apple.apns import ApnsClient
from stampcard.wallet.google import client as google_client
from stampcard.wallet.google.client import WalletClient

logger = logging.getLogger(__name__)


class WalletClients:
    """The round's APNs and Google clients, made on first use. ``apns`` is a ``push.ClientFactory``."""

    def __init__(self) -> None:
        self._apns_http: httpx.Client | None = None
        self._apns: dict[str, ApnsClient] = {}
        self._google_http: httpx.Client | None = None
        self._google: WalletClient | None = None

    def __enter__(self) -> "WalletClients":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def apns(self, topic: str) -> ApnsClient:
        """The client for ``topic`` (a pass type id). Every topic goes over the one connection: the topic is a header
        of each push, and the credentials (provider token or pass certificate) are the install's, not the topic's."""
        client = self._apns.get(topic)
        if client is None:
            if self._apns_http is None:
                self._apns_http = apns.http_client_build()
            client = self._apns[topic] = ApnsClient(self._apns_http, topic=topic)
        return client

    def google(self) -> WalletClient | None:
        """The Google client, or None while Google Wallet is not configured (a send then says so itself)."""
        if self._google is None:
            if not google_client.is_configured():
                return None
            http = google_client.http_client()
            try:
                self._google = WalletClient(http=http)
            except BaseException:
                http.close()
                raise
            self._google_http = http
        return self._google

    def close(self) -> None:
        """Close the connections; a close that fails is logged, never raised over the round's own outcome."""
        for http in (self._apns_http, self._google_http):
            if http is None:
                continue
            try:
                http.close()
            except Exception:  # noqa: BLE001 - a connection that broke may fail to say goodbye too; it is dropped
                logger.debug("a wallet connection closed with an error", exc_info=True)
        self._apns_http = self._google_http = None
        self._apns.clear()
        self._google = None
