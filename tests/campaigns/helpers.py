"""What the webhook tests share: a real HTTP receiver on loopback, endpoints made without a DNS lookup, and the
ledger lines that become events."""

import http.server
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from stampcard.campaigns.webhooks import feed, signing
from stampcard.campaigns.webhooks.models import WebhookEndpoint
from stampcard.merchants.models import Merchant


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when the request was read


@dataclass
class Behaviour:
    status: int = 200
    delay: float = 0.0


class Receiver:
    """A threaded HTTP server on 127.0.0.1 that records every POST; each path answers as ``behave`` says."""

    def __init__(self, tls: "ssl.SSLContext | None" = None) -> None:
        self.requests: list[Received] = []
        self.behave: dict[str, Behaviour] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                    )
                behaviour = receiver.behave.get(self.path, Behaviour())
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                try:
                    self.send_response(behaviour.status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if behaviour.status < 300 else b"nope")
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


def endpoint_make(merchant: Merchant, url: str, events: list[str], *, secret: str | None = None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(merchant=merchant, url=url, events=events)
    endpoint.secret = secret or signing.secret_new()
    endpoint.save()
    return endpoint


def feed_now() -> feed.FeedReport:
    """Run the feed as if a minute had passed (ledger rows are settled)."""
    from django.utils import timezone

    return feed.feed_run(now=timezone.now() + timedelta(minutes=1))
