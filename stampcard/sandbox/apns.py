"""An APNs stand-in: a real HTTP/2-over-TLS server on loopback that speaks the part of APNs pass updates use.

It checks what Apple checks (``POST /3/device/<token>``, ``apns-topic``, a bearer ES256 provider token signed by a
key it knows, or a TLS client certificate from the CA it trusts, a JSON payload of at most 4 KB), records every push
it accepted, and can be told to answer a token with 410, 429 or 5xx. Used by the tests (on a free port) and by the
demo (on ``settings.APNS_STANDIN_PORT``, where the dev ``APNS_URL`` points); or on its own:

    .venv/bin/python -m stampcard.sandbox.apns       # on APNS_STANDIN_PORT; trusts the dev APNs key and pass CA

Its TLS certificate is self-signed and written to ``<dir>/tls.pem``; point ``APNS_CA_FILE`` at it.
"""

import argparse
import contextlib
import datetime as dt
import ipaddress
import json
import logging
import os
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from stampcard.sandbox.loopback import StandInCannotListen, listen_socket

logger = logging.getLogger(__name__)

NAME = "APNs"
WRITE_TIMEOUT_SECONDS = 10
MAX_PAYLOAD = 4096
TOKEN_MAX_AGE = 3600


@dataclass(frozen=True)
class ReceivedPush:
    push_token: str
    topic: str
    headers: dict[str, str]
    payload: bytes
    auth: str  # "token" or "certificate"
    status: int


@dataclass
class _Answer:
    status: int
    reason: str
    times: int | None  # None = every time


@dataclass
class _Stream:
    headers: dict[str, str]
    body: bytearray = field(default_factory=bytearray)


def tls_material(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost, generated once under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "tls.pem", directory / "tls.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stampcard APNs stand-in")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    tmp_key = key_path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    os.replace(tmp_key, key_path)
    tmp_cert = cert_path.with_suffix(f".{os.getpid()}.tmp")
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_cert, cert_path)
    return cert_path, key_path


class ApnsStandIn:
    """Start with ``start()`` (or as a context manager); ``url`` and ``ca_file`` are what the client needs.

    ``token_keys`` maps a key id to the public key that verifies provider tokens from team ``team_id``;
    ``client_ca`` is a PEM file of the CA whose client certificates are accepted instead (certificate auth).
    """

    def __init__(
        self,
        *,
        tls_dir: Path,
        token_keys: dict[str, ec.EllipticCurvePublicKey] | None = None,
        team_id: str = "",
        client_ca: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token_keys = dict(token_keys or {})
        self.team_id = team_id
        self.received: list[ReceivedPush] = []
        self.refused: list[tuple[str, int, str]] = []  # (path, status, reason) of pushes not accepted
        # HTTP/2 connections opened to it (TLS and ALPN done): what a provider must keep few (Apple treats rapid
        # connecting and disconnecting as a denial-of-service attack), so tests count them.
        self.connections = 0
        self.connections_closed = 0
        self._live: set[socket.socket] = set()
        self._answers: dict[str, _Answer] = {}
        self._lock = threading.Lock()
        self._cert, self._key = tls_material(tls_dir)
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(self._cert, self._key)
        self._context.set_alpn_protocols(["h2"])
        if client_ca is not None:
            self._context.load_verify_locations(cafile=str(client_ca))
            self._context.verify_mode = ssl.CERT_OPTIONAL
        self._listener = listen_socket(name=NAME, host=host, port=port)
        self._listener.settimeout(0.2)
        self.host, self.port = self._listener.getsockname()[:2]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def ca_file(self) -> str:
        return str(self._cert)

    # --- test controls -------------------------------------------------------------------------------------------

    def respond(self, push_token: str, status: int, reason: str = "", *, times: int | None = None) -> None:
        """Answer pushes to ``push_token`` with ``status`` (``times`` times, or always), e.g. 410 Unregistered."""
        default = {410: "Unregistered", 429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}
        with self._lock:
            self._answers[push_token] = _Answer(status, reason or default.get(status, "BadRequest"), times)

    def pushes_to(self, push_token: str) -> list[ReceivedPush]:
        with self._lock:
            return [p for p in self.received if p.push_token == push_token and p.status == 200]

    def wait_for(self, push_token: str, *, count: int = 1, timeout: float = 10) -> list[ReceivedPush]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.pushes_to(push_token)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise TimeoutError(f"no push to {push_token} within {timeout}s")

    def wait_closed(self, *, timeout: float = 10) -> None:
        """Wait until every connection opened to the stand-in was closed (it notices within its 0.2 s poll)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.connections_closed >= self.connections:
                    return
            time.sleep(0.02)
        raise TimeoutError(f"{self.connections - self.connections_closed} connections still open after {timeout}s")

    def drop_connections(self) -> None:
        """Close every open connection from the server's side, as APNs does with an idle or an old one."""
        with self._lock:
            live = list(self._live)
        for sock in live:
            with contextlib.suppress(OSError):  # closed meanwhile
                sock.shutdown(socket.SHUT_RDWR)
        self.wait_closed()

    def clear(self) -> None:
        with self._lock:
            self.received.clear()
            self.refused.clear()
            self._answers.clear()
            self.connections = self.connections_closed = 0

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> "ApnsStandIn":
        thread = threading.Thread(target=self._serve, name="apns-stand-in", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> "ApnsStandIn":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._connection, args=(raw,), name="apns-stand-in-conn", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _connection(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(5)
            # Answers are small frames written while earlier ones are unacknowledged: without this, Nagle holds each
            # until the client's delayed ACK (tens of ms), and the stand-in, not the client, sets the pace.
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.info("APNs stand-in: TLS handshake failed: %s", exc)
            raw.close()
            return
        if sock.selected_alpn_protocol() != "h2":
            sock.close()  # APNs speaks HTTP/2 only
            return
        with self._lock:
            self.connections += 1
            self._live.add(sock)
        auth_cert = bool(sock.getpeercert())
        cert_topic = _uid_of(sock.getpeercert()) if auth_cert else ""
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        streams: dict[int, _Stream] = {}
        sock.settimeout(0.2)
        try:
            while not self._stopping.is_set():
                try:
                    data = sock.recv(65535)
                except TimeoutError:
                    continue
                if not data:
                    break
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = _Stream(headers={str(k): str(v) for k, v in event.headers})
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id].body += event.data
                        conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        stream = streams.pop(event.stream_id)
                        status, body = self._handle(stream, auth_cert=auth_cert, cert_topic=cert_topic)
                        headers = [(":status", str(status)), ("apns-id", str(uuid.uuid4()).upper())]
                        if body:
                            headers.append(("content-type", "application/json"))
                            conn.send_headers(event.stream_id, headers)
                            conn.send_data(event.stream_id, body, end_stream=True)
                        else:
                            conn.send_headers(event.stream_id, headers, end_stream=True)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                # The short timeout is for noticing a stop while idle; a write on a busy machine may take longer,
                # and a write cut short by it would break the connection mid-frame.
                sock.settimeout(WRITE_TIMEOUT_SECONDS)
                sock.sendall(conn.data_to_send())
                sock.settimeout(0.2)
        except (OSError, h2.exceptions.ProtocolError) as exc:
            logger.info("APNs stand-in: connection closed: %s", exc)
        finally:
            sock.close()
            with self._lock:
                self.connections_closed += 1
                self._live.discard(sock)

    def _handle(self, stream: _Stream, *, auth_cert: bool, cert_topic: str) -> tuple[int, bytes]:
        headers = stream.headers
        path = headers.get(":path", "")
        status, reason, auth = self._check(headers, bytes(stream.body), auth_cert=auth_cert, cert_topic=cert_topic)
        token = path.removeprefix("/3/device/")
        if status == 200:
            with self._lock:
                answer = self._answers.get(token)
                if answer is not None:
                    status, reason = answer.status, answer.reason
                    if answer.times is not None:
                        answer.times -= 1
                        if answer.times <= 0:
                            del self._answers[token]
                self.received.append(
                    ReceivedPush(token, headers.get("apns-topic", ""), headers, bytes(stream.body), auth, status)
                )
        if status == 200:
            return 200, b""
        with self._lock:
            self.refused.append((path, status, reason))
        body: dict[str, Any] = {"reason": reason}
        if status == 410:
            body["timestamp"] = int(time.time() * 1000)
        return status, json.dumps(body).encode()

    def _check(self, headers: dict[str, str], body: bytes, *, auth_cert: bool, cert_topic: str) -> tuple[int, str, str]:
        if headers.get(":method") != "POST":
            return 405, "MethodNotAllowed", ""
        path = headers.get(":path", "")
        if not path.startswith("/3/device/"):
            return 404, "BadPath", ""
        token = path.removeprefix("/3/device/")
        if not token or not all(c in "0123456789abcdefABCDEF" for c in token):
            return 400, "BadDeviceToken", ""
        topic = headers.get("apns-topic", "")
        if not topic:
            return 400, "MissingTopic", ""
        if headers.get("apns-push-type") not in {None, "background", "alert"}:
            return 400, "InvalidPushType", ""
        if len(body) > MAX_PAYLOAD:
            return 413, "PayloadTooLarge", ""
        try:
            if not isinstance(json.loads(body or b"null"), dict):
                return 400, "PayloadEmpty", ""
        except ValueError:
            return 400, "BadPayload", ""
        authorization = headers.get("authorization", "")
        if authorization:
            return self._check_token(authorization, topic)
        if auth_cert:
            if cert_topic and cert_topic != topic:
                return 400, "DeviceTokenNotForTopic", ""
            return 200, "", "certificate"
        return 403, "MissingProviderToken", ""

    def _check_token(self, authorization: str, topic: str) -> tuple[int, str, str]:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return 403, "MissingProviderToken", ""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return 403, "InvalidProviderToken", ""
        key = self.token_keys.get(str(header.get("kid", "")))
        if header.get("alg") != "ES256" or key is None:
            return 403, "InvalidProviderToken", ""
        try:
            claims = jwt.decode(token, key, algorithms=["ES256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            return 403, "InvalidProviderToken", ""
        if self.team_id and claims.get("iss") != self.team_id:
            return 403, "InvalidProviderToken", ""
        if time.time() - int(claims["iat"]) > TOKEN_MAX_AGE:
            return 403, "ExpiredProviderToken", ""
        return 200, "", "token"


def _uid_of(peer: Any) -> str:
    for rdn in peer.get("subject", ()):
        for name, value in rdn:
            if name == "userId":
                return str(value)
    return ""


def for_settings(*, port: int | None = None) -> ApnsStandIn:
    """A stand-in that trusts what this install signs with: the APNs token key and the pass certificate's CA, on
    ``port`` (default ``settings.APNS_STANDIN_PORT``; 0 = a free port)."""
    from django.conf import settings

    # Only for a stand-in started from a configured Django process (the demo, tests): the stand-in module itself
    # must also run bare (``python -m stampcard.sandbox.apns``), before Django is set up.
    from stampcard.wallet.apple import credentials

    key = credentials.apns_token_key()
    token_keys = {key.key_id: key.key.public_key()} if key is not None else {}
    client_ca = credentials.dev_ca_path() if credentials.is_dev() else None
    return ApnsStandIn(
        tls_dir=Path(settings.VAR_DIR) / "sandbox" / "apns",
        token_keys=token_keys,
        team_id=key.team_id if key is not None else "",
        client_ca=client_ca,
        port=settings.APNS_STANDIN_PORT if port is None else port,
    )


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=None, help="default: APNS_STANDIN_PORT (0 = a free port)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    try:
        stand_in = for_settings(port=args.port).start()
    except StandInCannotListen as error:
        raise SystemExit(f"{error}; set APNS_STANDIN_PORT or pass --port") from None
    logger.info("APNs stand-in listening on %s (CA file %s)", stand_in.url, stand_in.ca_file)
    try:
        while True:
            time.sleep(1)
            with stand_in._lock:
                while stand_in.received:
                    push = stand_in.received.pop(0)
                    logger.info("push %s to %s… (%s auth)", push.status, push.push_token[:12], push.auth)
    except KeyboardInterrupt:
        stand_in.stop()


if __name__ == "__main__":
    main()
