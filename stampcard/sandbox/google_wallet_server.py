"""The Google Wallet stand-in's HTTP side: routes each request to the stand-in (token endpoint, callback keys, the
Save page, walletobjects v1) and logs every API call with its status."""

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from stampcard.sandbox.google_wallet_api import error


class Routes(Protocol):
    """What the handler asks of ``google_wallet.GoogleWalletStandIn`` (named here so this module does not import it:
    the stand-in imports this one)."""

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]: ...

    def _api(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, dict[str, Any]]: ...

    def _save_page(self, token: str) -> tuple[int, str]: ...

    def root_keys(self) -> dict[str, Any]: ...

    def request_log(self, *, method: str, path: str, body: Any, status: int) -> None: ...

    def connection_log(self) -> None: ...


def handler_for(stand_in: Routes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()  # one handler per TCP connection, kept alive across its requests (loopback: no Nagle)
            stand_in.connection_log()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            pass

        def _read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            raw = self._read_body()
            path = urlsplit(self.path).path
            if path == "/token" and method == "POST":
                status, payload = stand_in._token(parse_qs(raw.decode()))
                return self._send(status, payload)
            if path == "/gp/m/issuer/keys" and method == "GET":
                return self._send(200, stand_in.root_keys())
            if path.startswith("/gp/v/save/") and method == "GET":
                status, html = stand_in._save_page(path.removeprefix("/gp/v/save/"))
                return self._send(status, html, "text/html; charset=utf-8")
            if path.startswith("/walletobjects/v1/"):
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    return self._send(*error(400, "INVALID_ARGUMENT", "Invalid JSON."))
                status, payload = stand_in._api(method, path, self.headers, body)
                stand_in.request_log(method=method, path=path, body=body, status=status)
                return self._send(status, payload)
            return self._send(*error(HTTPStatus.NOT_FOUND, "NOT_FOUND", "No such route."))

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PATCH(self) -> None:  # noqa: N802
            self._handle("PATCH")

        def do_PUT(self) -> None:  # noqa: N802
            self._handle("PUT")

    return Handler
