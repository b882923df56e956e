"""A Google Wallet stand-in: the token endpoint, the walletobjects v1 routes stampcard uses, the callback keys.

A real HTTP server on loopback (stdlib ``http.server`` in a thread), for the tests and the local demo; production
code never imports it. It follows ``reference/wallet.md`` section 4:

- ``POST /token``: OAuth2 JWT-bearer grant. The assertion must be RS256-signed by the service account's key, with
  ``iss`` = its email, ``aud`` = Google's token endpoint, the wallet scope, and not be expired. Answers an access token.
- ``/walletobjects/v1/loyaltyClass`` and ``/loyaltyObject``: ``POST`` (insert; 409 when the id exists),
  ``GET|PATCH|PUT /{id}`` (404 when missing) and ``POST /{id}/addMessage``. A bearer token from ``/token`` is
  required (401 otherwise); every body must parse as Google's own schema of the method (``google_wallet_schema``:
  an unknown field, a wrong type or an unlisted enum value is a 400 in Google's error shape); ids must start with
  the issuer id (403 otherwise); an object needs an existing, non-draft class. PATCH merges objects and replaces
  arrays whole, like Google. ``notifyPreference`` is not stored; notifying updates are logged, and beyond three per
  object in 24 hours the update is applied without a notification. ``addMessage`` appends to ``messages`` (at most
  ten, else 400); a TEXT_AND_NOTIFY message shares those three notifications, and beyond them is refused with
  QuotaExceededException (429 RESOURCE_EXHAUSTED: Google names the exception, not its status).
- ``GET /gp/m/issuer/keys``: the root keys that sign save/delete callbacks (``ECv2SigningOnly``).
- ``GET /gp/v/save/<jwt>``: a stand-in for the Save page: checks the JWT, marks the objects saved and sends a
  signed ``save`` callback to the class's ``callbackOptions.url``.

``fail_next`` injects failures (e.g. 503) to exercise retries. ``callback_body`` / ``send_callback`` sign callbacks
exactly as Google does, with this stand-in's keys (``google_wallet_callbacks``). The HTTP routing is in
``google_wallet_server``, Google's error shape and the API's rules beyond the schema in ``google_wallet_api``.
"""

import contextlib
import copy
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from stampcard.sandbox import google_wallet_schema
from stampcard.sandbox.google_wallet_api import error, merchant_locations_problem, merge, route_operation
from stampcard.sandbox.google_wallet_callbacks import CallbackSigner
from stampcard.sandbox.loopback import Fault, LoopbackHttpStandIn, fault_take

GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
WALLET_SCOPE = "https://www.googleapis.com/auth/wallet_object.issuer"
NOTIFY_LIMIT = 3  # notifying messages and notifying updates together, per pass in 24 hours
MAX_MESSAGES = 10  # a class's or object's ``messages``: "The maximum number of these fields is 10."
RESOURCES = ("loyaltyClass", "loyaltyObject")
# The methods whose request body Google's parser checks against the discovery document's schema.
BODY_OPERATIONS = ("insert", "patch", "update", "addMessage")


def service_account_ensure(
    path: Path | str, *, email: str = "stampcard-dev@stampcard-dev.iam.gserviceaccount.com"
) -> Path:
    """A throwaway service-account key file (the JSON Google Cloud hands out), created once. Never commit it."""
    path = Path(path)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "stampcard-dev",
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": email,
        "client_id": str(secrets.randbelow(10**20)),
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info, indent=2))
    tmp.chmod(0o600)
    # link() refuses to replace: when two test runs race to make the key, both end up using the first one.
    with contextlib.suppress(FileExistsError):
        os.link(tmp, path)
    tmp.unlink()
    return path


def start_dev_stand_in(*, port: int | None = None) -> "GoogleWalletStandIn":
    """For the demo: the stand-in with the dev service account (made once) on ``port``, by default
    ``settings.GOOGLE_WALLET_STANDIN_PORT`` (where the dev settings point; 0 = a free port)."""
    from django.conf import settings

    path = service_account_ensure(settings.GOOGLE_SERVICE_ACCOUNT_FILE)
    return GoogleWalletStandIn(
        service_account_file=path,
        issuer_id=settings.GOOGLE_WALLET_ISSUER_ID,
        port=settings.GOOGLE_WALLET_STANDIN_PORT if port is None else port,
    ).start()


@dataclass
class LoggedRequest:
    method: str
    path: str
    body: Any
    status: int = 0


@dataclass
class StandInState:
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    requests: list[LoggedRequest] = field(default_factory=list)
    notifications: dict[str, list[datetime]] = field(default_factory=dict)
    dropped_notifications: dict[str, int] = field(default_factory=dict)
    notified_messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # TEXT_AND_NOTIFY, per object
    saved: set[str] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    connections: int = 0  # TCP connections accepted (HTTP/1.1 keep-alive: a client that reuses one counts once)


class GoogleWalletStandIn(LoopbackHttpStandIn):
    """Start with ``with GoogleWalletStandIn(service_account_file=..., issuer_id=...) as google:``; point the
    settings at it with ``google.settings()``."""

    thread_name = "google-wallet-stand-in"
    display_name = "Google Wallet"

    def __init__(
        self,
        *,
        service_account_file: Path | str,
        issuer_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        info = json.loads(Path(service_account_file).read_text())
        private = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
        self.service_account_email: str = info["client_email"]
        self.service_account_public_key = private.public_key()
        self.issuer_id = issuer_id
        self.now = now or (lambda: datetime.now(UTC))
        self.state = StandInState()
        self.lock = threading.RLock()
        self.callbacks = CallbackSigner(issuer_id=issuer_id, now=self.now)
        from stampcard.sandbox.google_wallet_server import handler_for

        self._listen(host=host, port=port, handler=handler_for(self))

    # -- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def settings(self) -> dict[str, Any]:
        """The settings that point stampcard at this stand-in (for ``override_settings`` or the demo)."""
        return {
            "GOOGLE_WALLET_ISSUER_ID": self.issuer_id,
            "GOOGLE_WALLET_API_URL": f"{self.base_url}/walletobjects/v1",
            "GOOGLE_OAUTH_TOKEN_URL": self.token_url,
            "GOOGLE_WALLET_CALLBACK_KEYS_URL": f"{self.base_url}/gp/m/issuer/keys",
            "GOOGLE_WALLET_SAVE_URL": f"{self.base_url}/gp/v/save",
        }

    # -- test helpers ------------------------------------------------------------------------------------------

    def fail_next(self, count: int = 1, *, status: int = 503, path_contains: str = "") -> None:
        """Answer the next ``count`` matching API calls with ``status`` (the token endpoint is not affected)."""
        with self.lock:
            self.state.faults.append(Fault(status=status, remaining=count, path_contains=path_contains))

    def stored_object(self, object_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.state.objects.get(object_id)
            return copy.deepcopy(found) if found is not None else None

    def stored_class(self, class_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.state.classes.get(class_id)
            return copy.deepcopy(found) if found is not None else None

    def request_log(self, *, method: str, path: str, body: Any, status: int) -> None:
        """Record an API call and its answer (the HTTP side calls it for every walletobjects request)."""
        with self.lock:
            self.state.requests.append(LoggedRequest(method=method, path=path, body=body, status=status))

    def connection_log(self) -> None:
        """Count a TCP connection (the HTTP side calls it when it accepts one)."""
        with self.lock:
            self.state.connections += 1

    def requests(self, method: str | None = None, path_contains: str = "") -> list[LoggedRequest]:
        with self.lock:
            return [
                r for r in self.state.requests if (method is None or r.method == method) and path_contains in r.path
            ]

    def root_keys(self) -> dict[str, Any]:
        return self.callbacks.root_keys()

    def callback_body(self, **kwargs: Any) -> dict[str, Any]:
        """A callback signed the way Google signs them (``CallbackSigner.callback_body``)."""
        return self.callbacks.callback_body(**kwargs)

    def send_callback(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST a signed callback to ``url`` (our ``/wallet/google/callback``), as Google would."""
        return httpx.post(url, json=self.callback_body(**kwargs), timeout=10)

    # -- the protocol ------------------------------------------------------------------------------------------

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type", [""])[0] != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(
                form.get("assertion", [""])[0],
                self.service_account_public_key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                # google-auth always names Google's token endpoint as the audience, whatever token_uri it posts to.
                audience=[GOOGLE_TOKEN_AUDIENCE, self.token_url],
                issuer=self.service_account_email,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            return 400, {"error": "invalid_grant", "error_description": str(exc)}
        if WALLET_SCOPE not in str(claims.get("scope", "")).split():
            return 400, {"error": "invalid_scope"}
        token = "ya29.standin-" + secrets.token_urlsafe(24)
        with self.lock:
            self.state.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _api(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, dict[str, Any]]:
        auth = headers.get("Authorization", "")
        with self.lock:
            if not auth.startswith("Bearer ") or auth[7:] not in self.state.tokens:
                return error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
            if fault := fault_take(self.state.faults, path):
                return error(fault.status, "UNAVAILABLE", "Injected failure.")
            parts = path.removeprefix("/walletobjects/v1/").split("/")
            resource = parts[0]
            operation = route_operation(method, parts)
            if resource not in RESOURCES or operation is None:
                return error(404, "NOT_FOUND", "No such route.")
            if operation in BODY_OPERATIONS:
                found = google_wallet_schema.violations(google_wallet_schema.request_schema(resource, operation), body)
                if found:
                    return 400, google_wallet_schema.error_body(found)
            store = self.state.classes if resource == "loyaltyClass" else self.state.objects
            if operation == "insert":
                return self._insert(resource, store, body)
            resource_id = unquote(parts[1])
            if resource_id not in store:
                return error(404, "NOT_FOUND", f"Resource {resource_id} not found.")
            if operation == "get":
                return 200, copy.deepcopy(store[resource_id])
            if operation == "addMessage":
                return self._add_message(resource, store, resource_id, body)
            return self._update(resource, store, resource_id, body, replace=operation == "update")

    def _check_body(self, resource: str, body: Any) -> tuple[int, dict[str, Any]] | None:
        if not isinstance(body, dict):
            return error(400, "INVALID_ARGUMENT", "A JSON object is required.")
        problem = merchant_locations_problem(body.get("merchantLocations"))
        if problem:
            return error(400, "INVALID_ARGUMENT", problem)
        if len(body.get("messages") or []) > MAX_MESSAGES:
            return error(400, "INVALID_ARGUMENT", f"At most {MAX_MESSAGES} messages are allowed.")
        if resource == "loyaltyClass":
            if body.get("reviewStatus", "").upper() == "APPROVED":
                return error(400, "INVALID_ARGUMENT", "reviewStatus APPROVED cannot be set by the issuer.")
            missing = [name for name in ("issuerName", "programName", "programLogo") if name not in body]
            if missing:
                return error(400, "INVALID_ARGUMENT", f"Missing {', '.join(missing)}.")
        else:
            class_id = body.get("classId", "")
            found = self.state.classes.get(class_id)
            if found is None:
                return error(404, "NOT_FOUND", f"Class {class_id} not found.")
            if found.get("reviewStatus") == "DRAFT":
                return error(400, "INVALID_ARGUMENT", "Objects cannot use a class in DRAFT.")
        return None

    def _insert(self, resource: str, store: dict[str, Any], body: Any) -> tuple[int, dict[str, Any]]:
        problem = self._check_body(resource, body)
        if problem:
            return problem
        resource_id = str(body.get("id", ""))
        if not resource_id.startswith(self.issuer_id + "."):
            return error(403, "PERMISSION_DENIED", "The id must start with your issuer id.")
        if resource_id in store:
            return error(409, "ALREADY_EXISTS", f"Resource {resource_id} already exists.")
        stored = self._stored(resource, {k: v for k, v in body.items() if k != "notifyPreference"})
        store[resource_id] = stored
        return 200, copy.deepcopy(stored)

    def _update(
        self, resource: str, store: dict[str, Any], resource_id: str, body: Any, *, replace: bool
    ) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return error(400, "INVALID_ARGUMENT", "A JSON object is required.")
        if body.get("id", resource_id) != resource_id:
            return error(400, "INVALID_ARGUMENT", "The id in the body differs from the path.")
        fields = {k: v for k, v in body.items() if k != "notifyPreference"}
        candidate = copy.deepcopy(fields) if replace else merge(copy.deepcopy(store[resource_id]), fields)
        candidate["id"] = resource_id
        problem = self._check_body(resource, candidate)
        if problem:
            return problem
        notify = resource == "loyaltyObject" and body.get("notifyPreference") == "NOTIFY_ON_UPDATE"
        if notify and not self._notification_take(resource_id):
            self.state.dropped_notifications[resource_id] = self.state.dropped_notifications.get(resource_id, 0) + 1
        store[resource_id] = self._stored(resource, candidate)
        return 200, copy.deepcopy(store[resource_id])

    def _add_message(
        self, resource: str, store: dict[str, Any], resource_id: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """``addMessage``: the message joins the resource's ``messages`` (at most ten); TEXT_AND_NOTIFY also notifies,
        within the pass's three notifications in 24 hours that notifying updates share, and beyond them Google
        answers QuotaExceededException (here a 429 RESOURCE_EXHAUSTED naming it) and adds nothing."""
        message = body.get("message")
        if not isinstance(message, dict) or not message:
            return error(400, "INVALID_ARGUMENT", "A message is required.")
        stored = store[resource_id]
        messages = [*(stored.get("messages") or []), copy.deepcopy(message)]
        if len(messages) > MAX_MESSAGES:
            return error(400, "INVALID_ARGUMENT", f"At most {MAX_MESSAGES} messages are allowed.")
        if resource == "loyaltyObject" and message.get("messageType") == "TEXT_AND_NOTIFY":
            if not self._notification_take(resource_id):
                return error(429, "RESOURCE_EXHAUSTED", "QuotaExceededException: too many notifications for the pass.")
            self.state.notified_messages.setdefault(resource_id, []).append(copy.deepcopy(message))
        stored["messages"] = messages
        return 200, {"resource": copy.deepcopy(stored)}

    def _notification_take(self, resource_id: str) -> bool:
        """One of the object's three notifications of the last 24 hours, if one is free (under ``self.lock``)."""
        now = self.now()
        recent = [t for t in self.state.notifications.get(resource_id, []) if t > now - timedelta(hours=24)]
        taken = len(recent) < NOTIFY_LIMIT
        if taken:
            recent.append(now)
        self.state.notifications[resource_id] = recent
        return taken

    def messages_of(self, object_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy((self.state.objects.get(object_id) or {}).get("messages") or [])

    @staticmethod
    def _stored(resource: str, body: dict[str, Any]) -> dict[str, Any]:
        stored = copy.deepcopy(body)
        stored["kind"] = f"walletobjects#{resource}"
        if resource == "loyaltyClass" and stored.get("reviewStatus", "").upper() == "UNDER_REVIEW":
            stored["reviewStatus"] = "APPROVED"  # the stand-in approves at once
        return stored

    def _save_page(self, token: str) -> tuple[int, str]:
        try:
            claims = jwt.decode(
                token,
                self.service_account_public_key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                audience="google",
                issuer=self.service_account_email,
            )
        except jwt.PyJWTError as exc:
            return 400, f"<h1>Invalid save link</h1><p>{exc}</p>"
        if claims.get("typ") != "savetowallet":
            return 400, "<h1>Invalid save link</h1><p>typ must be savetowallet</p>"
        saved = []
        with self.lock:
            for entry in claims.get("payload", {}).get("loyaltyObjects", []):
                found = self.state.objects.get(entry.get("id", ""))
                if found is None:
                    return 404, "<h1>Pass not found</h1>"
                self.state.saved.add(found["id"])
                saved.append((found["classId"], found["id"]))
        for class_id, object_id in saved:
            url = (self.stored_class(class_id) or {}).get("callbackOptions", {}).get("url")
            if url:
                threading.Thread(
                    target=_quietly,
                    args=(self.send_callback, url),
                    kwargs={"class_id": class_id, "object_id": object_id, "event_type": "save"},
                    daemon=True,
                ).start()
        return 200, "<h1>Saved to Google Wallet (stand-in)</h1>"


def _quietly(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    with contextlib.suppress(httpx.HTTPError):  # Google's callbacks are best effort too
        function(*args, **kwargs)
