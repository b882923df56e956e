"""The Poster stand-in: accounts, tokens, transactions and signed webhooks, behind a real loopback HTTP server.

Production code never imports it. It follows ``reference/poster.md`` (and Poster's docs behind it), not our
convenience:

- OAuth: ``GET /api/auth?application_id=&redirect_uri=&response_type=code`` shows an authorize page; approving
  redirects to ``redirect_uri?code={32 hex}&account={login}`` (``state`` is not documented and so is not echoed
  unless ``echo_state=True``). ``POST /{account}/api/v2/auth/access_token`` (standing in for
  ``https://{account}.joinposter.com/api/v2/auth/access_token``) takes the documented form-data fields, multipart or
  urlencoded, and answers the documented JSON. A refused exchange answers ``{code, error_type, error_message}``;
  its HTTP status is not documented, the stand-in uses 200.
- Web API: ``GET|POST /api/{method}?token=…`` answers ``{"response": …}`` or ``{"error": {"code", "message"}}``
  with HTTP 200, numbers as strings and money in hundredths: ``dash.getTransaction``, ``access.getSpots``,
  ``settings.getAllSettings``, ``settings.getCompanyName``, ``menu.getProducts``.
- Webhooks: POSTed as JSON to ``webhook_url`` with ``verify`` = md5 of ``account;object;object_id;action;[data;]
  time;application_secret``; ``data`` is a JSON-encoded string. The stand-in repeats a delivery that did not get
  HTTP 200 when asked (``redeliver``), with the same body, as Poster does up to 15 times.

A control API under ``/_control/`` (JSON) creates accounts, opens, changes, closes and removes transactions and
installs the application, for the demo and the POS simulator; tests use the same operations as methods.
"""

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from stampcard.sandbox.loopback import Fault, LoopbackHttpStandIn, fault_take
from stampcard.sandbox.poster import web_api
from stampcard.sandbox.poster.oauth import OAuthProvider
from stampcard.sandbox.poster.state import (
    Account,
    HistoryEntry,
    Line,
    PrintedReceipt,
    Product,
    Spot,
    StandInState,
    Txn,
    webhook_history_data,
)
from stampcard.sandbox.poster.webhooks import WebhookSender


def dev_token(*, account_number: str, account: str, secret: str) -> str:
    """A deterministic token for the demo account, so the demo seed and the stand-in agree without talking."""
    digest = hashlib.sha256(f"stampcard-demo:{account}:{secret}".encode()).hexdigest()[:32]
    return f"{account_number}:{digest}"


class PosterStandIn(WebhookSender, OAuthProvider, LoopbackHttpStandIn):
    """``with PosterStandIn(application_id=..., application_secret=..., webhook_url=...) as poster:``; point the
    settings at it with ``poster.settings()``."""

    thread_name = "poster-stand-in"
    display_name = "Poster"

    def __init__(
        self,
        *,
        application_id: str,
        application_secret: str,
        redirect_uri: str = "",
        webhook_url: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        echo_state: bool = False,
        close_actions: tuple[str, ...] = ("changed",),
        now: Callable[[], float] | None = None,
    ) -> None:
        self.application_id = str(application_id)
        self.application_secret = application_secret
        self.redirect_uri = redirect_uri  # the one registered in the developer cabinet; "" accepts any
        self.webhook_url = webhook_url
        self.echo_state = echo_state
        self.close_actions = close_actions  # real accounts also see an undocumented "closed"
        self.now = now or time.time
        self.state = StandInState()
        self.lock = threading.RLock()
        from stampcard.sandbox.poster.server import handler_for

        self._listen(host=host, port=port, handler=handler_for(self))

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """The settings that point stampcard at this stand-in."""
        return {
            "POSTER_API_URL": f"{self.base_url}/api",
            "POSTER_APPLICATION_ID": self.application_id,
            "POSTER_APPLICATION_SECRET": self.application_secret,
            "POSTER_OAUTH_AUTHORIZE_URL": f"{self.base_url}/api/auth",
            "POSTER_OAUTH_TOKEN_URL": f"{self.base_url}/{{account}}/api/v2/auth/access_token",
        }

    def reset(self) -> None:
        with self.lock:
            self.state = StandInState()

    # -- the world ---------------------------------------------------------------------------------------------

    def account_add(
        self,
        account: str,
        *,
        company_name: str = "",
        currency: str = "UAH",
        spots: list[tuple[str, str]] | None = None,
        products: list[tuple[str, str, int]] | None = None,
        account_number: str | None = None,
    ) -> Account:
        """An account with spots ``[(spot_id, name)]`` and products ``[(product_id, name, price_cents)]``."""
        with self.lock:
            row = Account(
                account=account,
                account_number=account_number or str(100000 + secrets.randbelow(900000)),
                company_name=company_name or account,
                currency=currency,
            )
            for spot_id, name in spots or [("1", "Main")]:
                row.spots[spot_id] = Spot(spot_id=spot_id, name=name, address=f"{name} street 1")
            for product_id, name, price in products or [("1", "Cappuccino", 5500), ("2", "Croissant", 4500)]:
                row.products[product_id] = Product(product_id=product_id, name=name, price_cents=price)
            self.state.accounts[account] = row
            return row

    def token_issue(self, account: str, token: str | None = None) -> str:
        """A token for the account (what an install or a personal integration gives): ``{account_number}:{hex}``."""
        with self.lock:
            row = self.state.accounts[account]
            token = token or f"{row.account_number}:{secrets.token_hex(16)}"
            self.state.tokens[token] = account
            return token

    def token_revoke(self, token: str) -> None:
        with self.lock:
            self.state.tokens.pop(token, None)

    def fail_next(self, count: int = 1, *, status: int = 503, path_contains: str = "") -> None:
        """Answer the next ``count`` matching Web API calls with HTTP ``status`` (no JSON)."""
        with self.lock:
            self.state.faults.append(Fault(status=status, remaining=count, path_contains=path_contains))

    def calls(self, method: str | None = None) -> list[tuple[str, dict[str, str]]]:
        with self.lock:
            return [c for c in self.state.calls if method is None or c[0] == method]

    def _ms(self) -> int:
        return int(self.now() * 1000)

    def _txn(self, account: str, transaction_id: int) -> Txn:
        return self.state.accounts[account].transactions[int(transaction_id)]

    def transaction_open(
        self,
        account: str,
        *,
        spot_id: str = "1",
        products: list[tuple[str, int]] | None = None,
        comment: str | None = None,
        send: bool = True,
    ) -> int:
        """Open an order (``added`` webhook), then add each product (``changed`` webhooks, like a register)."""
        with self.lock:
            row = self.state.accounts[account]
            self.state.next_transaction_id += 1
            transaction_id = self.state.next_transaction_id
            txn = Txn(transaction_id=transaction_id, spot_id=spot_id, date_start_ms=self._ms(), comment=comment)
            txn.history.append(HistoryEntry("open", self._ms(), value=txn.user_id, value2=0))
            row.transactions[transaction_id] = txn
        if send:
            self.webhook_send(account, "transaction", transaction_id, "added")
        for product_id, num in products or []:
            self.transaction_add_product(account, transaction_id, product_id=product_id, num=num, send=send)
        return transaction_id

    def transaction_add_product(
        self,
        account: str,
        transaction_id: int,
        *,
        product_id: str,
        num: int = 1,
        price_cents: int | None = None,
        send: bool = True,
    ) -> None:
        """Add a line; ``price_cents`` overrides the menu price (``transactions.addTransactionProduct``'s ``price``)."""
        with self.lock:
            row = self.state.accounts[account]
            txn = self._txn(account, transaction_id)
            product = row.products[product_id]
            price = product.price_cents if price_cents is None else price_cents
            txn.lines.append(Line(product_id=product_id, num=num, price_cents=price))
            # additem's value_text price is in major units (DOCS dash.getTransaction example: {"price": 10.5}).
            entry = HistoryEntry("additem", self._ms(), value=product_id, value3=0,
                                 value_text={"price": price / 100})  # fmt: skip
            txn.history.append(entry)
        if send:
            self.webhook_send(account, "transaction", transaction_id, "changed", data=webhook_history_data(entry))

    def transaction_comment(self, account: str, transaction_id: int, comment: str, *, send: bool = True) -> None:
        with self.lock:
            txn = self._txn(account, transaction_id)
            txn.comment = comment
            entry = HistoryEntry("comment", self._ms(), value_text=comment)
            txn.history.append(entry)
        if send:
            self.webhook_send(account, "transaction", transaction_id, "changed", data=webhook_history_data(entry))

    def transaction_set_extras(self, account: str, transaction_id: int, key: str, value: str) -> None:
        """``Poster.orders.setExtras``: kept on the order for the POS side; not in any documented Web API answer."""
        with self.lock:
            self._txn(account, transaction_id).extras[key] = value

    def transaction_set_bonus(self, account: str, transaction_id: int, bonus_cents: int) -> None:
        """``Poster.orders.setOrderBonus(orderId, sum)`` on an open order, synced by the register: the part of the
        order "paid through your application". It sets the bonus (a second call replaces the first); what is left to
        pay in money (``due_cents``) drops by it. Poster documents no Web API answer that shows it before the close."""
        if bonus_cents < 0:
            raise ValueError("a bonus is not negative")
        with self.lock:
            txn = self._txn(account, transaction_id)
            if txn.status != 1:
                raise ValueError("the order is not open")
            txn.bonus_cents = bonus_cents

    def receipt_print(self, account: str, transaction_id: int, *, qr: str = "", title: str = "") -> PrintedReceipt:
        """``Poster.orders.printReceipt(orderId, qrCode, qrCodeTitle)``: the register prints a pre-check with a QR of
        ``qr`` that Poster renders itself, ``title`` under it. Recorded so tests and the simulator can read it."""
        with self.lock:
            self._txn(account, transaction_id)  # an order of this account
            printed = PrintedReceipt(account=account, transaction_id=int(transaction_id), qr=qr, title=title)
            self.state.receipts.append(printed)
            return printed

    def receipts_printed(self, account: str | None = None) -> list[PrintedReceipt]:
        with self.lock:
            return [r for r in self.state.receipts if account is None or r.account == account]

    def transaction_close(
        self,
        account: str,
        transaction_id: int,
        *,
        cash_cents: int | None = None,
        card_cents: int = 0,
        bonus_cents: int | None = None,
        send: bool = True,
    ) -> None:
        """Pay and close (status 2). The bonus an app set (``transaction_set_bonus``) is paid as bonus unless told
        otherwise; the rest of the order, unless told otherwise, in cash."""
        with self.lock:
            txn = self._txn(account, transaction_id)
            if bonus_cents is None:
                bonus_cents = txn.bonus_cents
            if cash_cents is None:
                cash_cents = max(txn.sum_cents - card_cents - bonus_cents, 0)
            txn.payed_cash_cents, txn.payed_card_cents, txn.payed_bonus_cents = cash_cents, card_cents, bonus_cents
            txn.status, txn.date_close_ms = 2, self._ms()
            payments = {k: v / 100 for k, v in (("cash", cash_cents), ("card", card_cents)) if v}
            entry = HistoryEntry("close", self._ms(), value=0, value2=cash_cents + card_cents,
                                 value_text={"payments": payments})  # fmt: skip
            txn.history.append(entry)
        if send:
            for action in self.close_actions:
                self.webhook_send(account, "transaction", transaction_id, action, data=webhook_history_data(entry))

    def transaction_return(self, account: str, transaction_id: int, *, send: bool = True) -> None:
        """A fiscal return of a closed check (``print_fiscal`` 2)."""
        with self.lock:
            self._txn(account, transaction_id).print_fiscal = 2
        if send:
            self.webhook_send(account, "transaction", transaction_id, "changed")

    def transaction_remove(self, account: str, transaction_id: int, *, send: bool = True) -> None:
        """Delete the order (status 3, ``removed`` webhook)."""
        with self.lock:
            txn = self._txn(account, transaction_id)
            txn.status = 3
            txn.history.append(HistoryEntry("delete", self._ms()))
        if send:
            self.webhook_send(account, "transaction", transaction_id, "removed")

    def install(self, account: str, *, user_id: int = 1, token: str | None = None) -> str:
        """The merchant installs the application in Poster: a token, and the ``application``/``added`` webhook."""
        token = self.token_issue(account, token)
        data = json.dumps({"user_id": user_id, "access_token": token})
        self.webhook_send(account, "application", 1, "added", data=data)
        return token

    # -- the Web API -------------------------------------------------------------------------------------------

    def api(self, method: str, query: dict[str, str]) -> tuple[int, Any]:
        with self.lock:
            self.state.calls.append((method, {k: v for k, v in query.items() if k != "token"}))
            if fault := fault_take(self.state.faults, method):
                return fault.status, None
            token = query.get("token", "")
            if not token:
                return 200, {"error": {"code": 10, "message": "access_token is not specified"}}
            login = self.state.tokens.get(token)
            if login is None:
                return 200, {"error": {"code": 11, "message": "Invalid access_token"}}
            account = self.state.accounts[login]
            handler = web_api.METHODS.get(method)
            if handler is None:
                # Not documented what Poster answers for a method that does not exist; an error, like the rest.
                return 200, {"error": {"code": 400, "message": f"Unknown method {method}"}}
            return 200, handler(account, query)
