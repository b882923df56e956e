"""HTTP routes of the Poster stand-in (see ``standin`` for what each speaks)."""

import html
import json
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

if TYPE_CHECKING:
    from stampcard.sandbox.poster.standin import PosterStandIn

TOKEN_PATH_SUFFIX = "/api/v2/auth/access_token"


def parse_form(content_type: str, raw: bytes) -> dict[str, str]:
    """``multipart/form-data`` (what Poster's docs send, ``curl -F``) or ``application/x-www-form-urlencoded``."""
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        fields: dict[str, str] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                fields[name] = payload.decode() if isinstance(payload, bytes) else ""
        return fields
    if content_type.startswith("application/json"):
        found = json.loads(raw or b"{}")
        return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in found.items()}
    return dict(parse_qsl(raw.decode(), keep_blank_values=True))


def _authorize_page(stand_in: "PosterStandIn", query: dict[str, str]) -> tuple[int, str]:
    if query.get("response_type") != "code":
        return 400, "<h1>response_type must be code</h1>"
    if query.get("application_id") != stand_in.application_id:
        return 400, "<h1>Unknown application</h1>"
    redirect_uri = query.get("redirect_uri", "")
    if stand_in.redirect_uri and redirect_uri != stand_in.redirect_uri:
        return 400, "<h1>redirect_uri does not match the application's settings</h1>"
    with stand_in.lock:
        accounts = list(stand_in.state.accounts.values())
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in query.items()
        if k in {"application_id", "redirect_uri", "state"}
    )
    buttons = "".join(
        f'<button name="account" value="{html.escape(a.account)}">Allow for {html.escape(a.company_name)} '
        f"({html.escape(a.account)})</button>"
        for a in accounts
    )
    page = (
        "<!doctype html><meta charset=utf-8><title>Poster (stand-in): authorize</title>"
        "<h1>Poster stand-in</h1><p>The application asks for access to your account.</p>"
        f'<form method="post" action="/api/auth/approve">{hidden}{buttons}</form>'
    )
    return 200, page


def handler_for(stand_in: "PosterStandIn") -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, payload: Any, content_type: str = "application/json; charset=utf-8") -> None:
            if payload is None:
                data, content_type = b"<html><body>Service unavailable</body></html>", "text/html"
            elif isinstance(payload, str):
                data = payload.encode()
            else:
                data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _handle(self, method: str) -> None:
            raw = self._body()
            url = urlsplit(self.path)
            path, query = url.path, dict(parse_qsl(url.query, keep_blank_values=True))
            if path == "/pos" or path.startswith("/pos/"):  # the POS simulator (stampcard.sandbox.poster.simulator)
                from stampcard.sandbox.poster import simulator

                status, payload, content_type = simulator.respond(stand_in, method, path, query, raw)
                return self._send(status, payload, content_type)
            form: dict[str, str] = {}
            if method == "POST" and not path.startswith("/_control/"):
                form = parse_form(self.headers.get("Content-Type", ""), raw)
            if path == "/api/auth" and method == "GET":
                status, page = _authorize_page(stand_in, query)
                return self._send(status, page, "text/html; charset=utf-8")
            if path == "/api/auth/approve" and method == "POST":
                return self._approve(form)
            if path.endswith(TOKEN_PATH_SUFFIX) and method == "POST":
                account = path.removesuffix(TOKEN_PATH_SUFFIX).strip("/")
                return self._send(200, stand_in.access_token(account, form))
            if path.startswith("/api/"):
                status, payload = stand_in.api(path.removeprefix("/api/"), {**form, **query})
                return self._send(status, payload)
            if path.startswith("/_control/"):
                try:
                    body = json.loads(raw) if raw else {}
                    return self._send(200, self._control(method, path.removeprefix("/_control/"), body))
                except (KeyError, ValueError, TypeError) as exc:
                    return self._send(400, {"error": str(exc)})
            if path == "/" and method == "GET":
                return self._send(200, _INDEX, "text/html; charset=utf-8")
            return self._send(404, {"error": "no such route"})

        def _approve(self, form: dict[str, str]) -> None:
            try:
                code = stand_in.authorize(
                    account=form.get("account", ""),
                    application_id=form.get("application_id", ""),
                    redirect_uri=form.get("redirect_uri", ""),
                )
            except ValueError as exc:
                return self._send(400, f"<h1>{html.escape(str(exc))}</h1>", "text/html; charset=utf-8")
            params = {"code": code, "account": form["account"]}
            if stand_in.echo_state and form.get("state"):
                params["state"] = form["state"]
            redirect_uri = form["redirect_uri"]
            separator = "&" if "?" in redirect_uri else "?"
            return self._redirect(f"{redirect_uri}{separator}{urlencode(params)}")

        def _control(self, method: str, route: str, body: dict[str, Any]) -> Any:
            """``POST /_control/<operation>`` with a JSON body; ``GET /_control/state``."""
            if method == "GET" and route == "state":
                with stand_in.lock:
                    return {
                        "accounts": {
                            name: {
                                "company_name": a.company_name,
                                "account_number": a.account_number,
                                "spots": [s.__dict__ for s in a.spots.values()],
                                "products": [p.__dict__ for p in a.products.values()],
                                "transactions": [
                                    {
                                        "transaction_id": t.transaction_id,
                                        "status": t.status,
                                        "sum": t.sum_cents,
                                        "bonus": t.bonus_cents,
                                        "due": t.due_cents,
                                    }
                                    for t in a.transactions.values()
                                ],
                            }
                            for name, a in stand_in.state.accounts.items()
                        },
                        "deliveries": [{"body": d.body, "status": d.status} for d in stand_in.state.deliveries],
                    }
            if method != "POST":
                raise ValueError("use POST")
            account = str(body["account"])
            if route == "accounts":
                row = stand_in.account_add(
                    account,
                    company_name=str(body.get("company_name", "")),
                    currency=str(body.get("currency", "UAH")),
                    spots=[(str(s["spot_id"]), str(s["name"])) for s in body.get("spots", [])] or None,
                    products=[(str(p["product_id"]), str(p["name"]), int(p["price"])) for p in body.get("products", [])]
                    or None,
                )
                return {"account": row.account, "account_number": row.account_number}
            if route == "install":
                return {"access_token": stand_in.install(account)}
            if route == "transactions":
                products = [(str(p["product_id"]), int(p.get("num", 1))) for p in body.get("products", [])]
                transaction_id = stand_in.transaction_open(
                    account, spot_id=str(body.get("spot_id", "1")), products=products, comment=body.get("comment")
                )
                return {"transaction_id": transaction_id}
            transaction_id = int(body["transaction_id"])
            if route == "transactions/products":
                stand_in.transaction_add_product(
                    account,
                    transaction_id,
                    product_id=str(body["product_id"]),
                    num=int(body.get("num", 1)),
                    price_cents=int(body["price"]) if body.get("price") is not None else None,
                )
            elif route == "transactions/comment":
                stand_in.transaction_comment(account, transaction_id, str(body["comment"]))
            elif route == "transactions/extras":
                stand_in.transaction_set_extras(account, transaction_id, str(body["key"]), str(body["value"]))
            elif route == "transactions/close":
                stand_in.transaction_close(
                    account,
                    transaction_id,
                    cash_cents=int(body["cash"]) if "cash" in body else None,
                    card_cents=int(body.get("card", 0)),
                    bonus_cents=int(body["bonus"]) if "bonus" in body else None,
                )
            elif route == "transactions/bonus":
                stand_in.transaction_set_bonus(account, transaction_id, int(body["bonus"]))
            elif route == "transactions/print_receipt":
                stand_in.receipt_print(account, transaction_id, qr=str(body.get("qr") or ""),
                                       title=str(body.get("title") or ""))  # fmt: skip
            elif route == "transactions/remove":
                stand_in.transaction_remove(account, transaction_id)
            elif route == "transactions/return":
                stand_in.transaction_return(account, transaction_id)
            else:
                raise ValueError(f"unknown control route {route}")
            return {"ok": True, "transaction_id": transaction_id}

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

    return Handler


_INDEX = """<!doctype html><meta charset=utf-8><title>Poster stand-in</title>
<h1>Poster stand-in</h1>
<p>Speaks Poster's Web API (<code>/api/{method}?token=</code>), OAuth (<code>/api/auth</code>,
<code>/{account}/api/v2/auth/access_token</code>) and sends signed webhooks.</p>
<p>Control (JSON, POST): <code>/_control/accounts</code>, <code>/_control/install</code>,
<code>/_control/transactions</code>, <code>/_control/transactions/products</code>,
<code>/_control/transactions/comment</code>, <code>/_control/transactions/extras</code>,
<code>/_control/transactions/bonus</code>, <code>/_control/transactions/print_receipt</code>,
<code>/_control/transactions/close</code>, <code>/_control/transactions/remove</code>,
<code>/_control/transactions/return</code>; GET <code>/_control/state</code>.</p>
"""
