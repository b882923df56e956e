"""The POS simulator: a page that plays Poster's register around the REAL stampcard bundle.

Served by the Poster stand-in under ``/pos/``. The page (``static/simulator/``) draws an order screen (menu, order,
the "•••" menu, the Functions menu, payment, printed receipts) and loads the bundle built from ``frontend/poster``
into an iframe, the app's "container", with a ``Poster`` object that behaves as Poster documents it
(reference/poster.md §3): events with ``next()``, popups of the container, orders, products, extras, the order
bonus (synced with the order), print text, pre-checks with Poster's own QR (``printReceipt``, recorded by the
stand-in), notifications. Orders sync to the stand-in like a register syncs to Poster's backend, so closing one
sends the signed ``transaction`` webhook to stampcard.

The server half here is what Poster's backend does for the register:

- ``POST /pos/_request``: ``Poster.makeRequest``'s proxy. It signs the request as Poster documents it
  (``X-Poster-Signature`` = md5(URL + JSON body + ``X-Poster-Time`` + application secret), body left out for GET;
  plus ``X-Poster-Time``, ``X-Poster-Url``, ``X-Poster-Spot-Id``, ``X-Poster-Tablet-Id``), sends it, and answers
  ``{code, result}`` with ``result`` as the raw text (some registers hand the app a string; the app parses it).
- ``POST /pos/_api``: ``Poster.makeApiRequest``: the stand-in's Web API with the account's application token.

Where Poster's docs are silent the simulator picks and says so in ``simulator.js`` (the place of the payment-screen
button, how a Web API order edit reaches the register).
"""

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from stampcard.poster.signatures import make_request_signature

if TYPE_CHECKING:
    from stampcard.sandbox.poster.standin import PosterStandIn

STATIC = Path(__file__).parent / "static" / "simulator"
BUNDLE = Path(__file__).resolve().parents[2] / "poster" / "static" / "poster" / "dist" / "app.js"
FILES = {
    "/pos/": ("index.html", "text/html; charset=utf-8"),
    "/pos/container.html": ("container.html", "text/html; charset=utf-8"),
    "/pos/simulator.js": ("simulator.js", "text/javascript; charset=utf-8"),
    "/pos/simulator.css": ("simulator.css", "text/css; charset=utf-8"),
}
MISSING_BUNDLE = (
    "document.body.textContent = 'The stampcard bundle is not built: run `make install` "
    "(or `npm run build:poster --prefix frontend`).';"
)


def simulator_url(
    base_url: str,
    *,
    stand_in_url: str | None = None,
    account: str | None = None,
    spot_id: str = "1",
    lang: str = "en",
    api_key: str | None = None,
    print_receipt: bool = True,
) -> str:
    """The simulator's address for the stampcard at ``base_url`` (what ``make run`` prints).

    ``stand_in_url`` defaults to where the dev settings put the stand-in (``POSTER_API_URL`` without ``/api``);
    ``account`` to the demo account. ``lang`` is Poster's language code (``ua`` for Ukrainian). ``api_key``, when
    given, is shown on the page for the newcomer to paste into the app's settings, as a merchant would.
    ``print_receipt=False`` plays a register whose POS platform lacks ``orders.printReceipt``."""
    if stand_in_url is None:
        from django.conf import settings

        stand_in_url = settings.POSTER_API_URL.removesuffix("/api")
    if account is None:
        from stampcard.sandbox.poster import DEMO_ACCOUNT

        account = DEMO_ACCOUNT
    params = {"server": base_url.rstrip("/"), "account": account, "spot": spot_id, "lang": lang}
    if api_key:
        params["key"] = api_key
    if not print_receipt:
        params["print_receipt"] = "0"
    return f"{stand_in_url.rstrip('/')}/pos/?{urlencode(params)}"


def respond(
    stand_in: "PosterStandIn", method: str, path: str, query: dict[str, str], raw: bytes
) -> tuple[int, Any, str]:
    """(status, body, content type) of a ``/pos/`` route."""
    if path == "/pos":
        path = "/pos/"
    if method == "GET" and path in FILES:
        name, content_type = FILES[path]
        return 200, (STATIC / name).read_text(encoding="utf-8"), content_type
    if method == "GET" and path == "/pos/app.js":
        text = BUNDLE.read_text(encoding="utf-8") if BUNDLE.exists() else MISSING_BUNDLE
        return 200, text, "text/javascript; charset=utf-8"
    if method == "GET" and path == "/pos/_config":
        return 200, _config(stand_in, query.get("account", "")), "application/json"
    if method == "GET" and path == "/pos/_qr.svg":
        from stampcard.core.qr import qr_svg  # the only project code the register page uses: loaded when it asks

        return 200, qr_svg(query.get("data", "")[:500], scale=4).decode(), "image/svg+xml"
    if method == "POST" and path == "/pos/_request":
        return 200, _proxy(stand_in, json.loads(raw or b"{}")), "application/json"
    if method == "POST" and path == "/pos/_api":
        return 200, _web_api(stand_in, json.loads(raw or b"{}")), "application/json"
    return 404, {"error": "no such simulator route"}, "application/json"


def _config(stand_in: "PosterStandIn", account: str) -> dict[str, Any]:
    with stand_in.lock:
        row = stand_in.state.accounts.get(account)
        if row is None:
            return {"error": f"the stand-in has no account {account!r}"}
        return {
            "application_id": stand_in.application_id,
            "account": row.account,
            "company_name": row.company_name,
            "currency": row.currency,
            "spots": [{"spot_id": s.spot_id, "name": s.name} for s in row.spots.values()],
            "products": [
                {"id": p.product_id, "name": p.name, "price_cents": p.price_cents} for p in row.products.values()
            ],
            "installed": account in stand_in.state.tokens.values(),
        }


def _proxy(stand_in: "PosterStandIn", spec: dict[str, Any]) -> dict[str, Any]:
    """What Poster's backend does for ``Poster.makeRequest``: sign, send, hand the answer back."""
    url = str(spec.get("url", ""))
    method = str(spec.get("method") or "get").upper()
    body = spec.get("body") if method in ("POST", "PUT") else None
    poster_time = str(int(time.time()))
    headers = {}
    for line in spec.get("headers") or []:
        name, _, value = str(line).partition(":")
        if name.strip():
            headers[name.strip()] = value.strip()
    headers.update(
        {
            "X-Poster-Signature": make_request_signature(
                url=url, body=body, poster_time=poster_time, secret=stand_in.application_secret
            ),
            "X-Poster-Time": poster_time,
            "X-Poster-Url": str(spec.get("account", "")),
            "X-Poster-Spot-Id": str(spec.get("spot_id", "")),
            "X-Poster-Tablet-Id": str(spec.get("tablet_id", "")),
        }
    )
    timeout = float(spec.get("timeout") or 30000) / 1000
    try:
        answer = httpx.request(method, url, content=body.encode() if body else None, headers=headers, timeout=timeout)
    except httpx.HTTPError:
        return {"code": 0, "result": False}  # Poster's "timeout, or no internet"
    try:
        json.loads(answer.text)
    except ValueError:
        return {"code": 1, "result": False}  # Poster's "not valid JSON"
    return {"code": answer.status_code, "result": answer.text}


def _web_api(stand_in: "PosterStandIn", spec: dict[str, Any]) -> Any:
    """``Poster.makeApiRequest``: the Web API method with the account's application token."""
    account = str(spec.get("account", ""))
    with stand_in.lock:
        token = next((t for t, login in stand_in.state.tokens.items() if login == account), "")
    data = spec.get("data") or {}
    params = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    _status, payload = stand_in.api(str(spec.get("method", "")), {**params, "token": token})
    return payload
