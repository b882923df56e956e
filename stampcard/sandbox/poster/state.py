"""The Poster stand-in's in-memory world and how Poster renders it (strings for numbers, hundredths for money)."""

import json
from dataclasses import dataclass, field
from typing import Any

from stampcard.sandbox.loopback import Fault


@dataclass
class Spot:
    spot_id: str
    name: str
    address: str = ""


@dataclass
class Product:
    product_id: str
    name: str
    price_cents: int  # Poster hundredths (menu.getProducts gives spots[].price in them)
    category_id: str = "1"


@dataclass
class Line:
    product_id: str
    num: int
    price_cents: int


@dataclass
class HistoryEntry:
    type_history: str
    time_ms: int
    value: Any = 0
    value2: Any = 0
    value3: Any = 0
    value_text: Any = None
    user_id: int = 1
    spot_tablet_id: int = 1


@dataclass
class Txn:
    transaction_id: int
    spot_id: str
    date_start_ms: int
    status: int = 1  # 1 open, 2 closed, 3 removed
    date_close_ms: int = 0
    lines: list[Line] = field(default_factory=list)
    payed_cash_cents: int = 0
    payed_card_cents: int = 0
    payed_bonus_cents: int = 0
    payed_cert_cents: int = 0
    # What an app set with Poster.orders.setOrderBonus ("the order amount paid through your application"); the
    # register syncs it with the order, and the close pays it as payed_bonus.
    bonus_cents: int = 0
    comment: str | None = None
    extras: dict[str, str] = field(default_factory=dict)
    client_id: int = 0
    print_fiscal: int = 0
    table_id: int = 0
    user_id: int = 1
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def sum_cents(self) -> int:
        return sum(line.price_cents * line.num for line in self.lines)

    @property
    def due_cents(self) -> int:
        """What is left to pay in money: the order's sum less the application's bonus."""
        return max(self.sum_cents - self.bonus_cents, 0)


@dataclass
class PrintedReceipt:
    """One ``Poster.orders.printReceipt(orderId, qrCode, qrCodeTitle)``: a pre-check with Poster's own QR."""

    account: str
    transaction_id: int
    qr: str
    title: str


@dataclass
class Account:
    account: str  # the login: {account}.joinposter.com
    account_number: str
    company_name: str
    currency: str = "UAH"
    timezone: str = "Europe/Kiev"  # Poster's own spelling in settings.getAllSettings
    lang: str = "ua"
    owner_email: str = "owner@example.com"
    owner_name: str = "Owner"
    spots: dict[str, Spot] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    transactions: dict[int, Txn] = field(default_factory=dict)


# -- the stand-in's own bookkeeping: webhook deliveries, injected faults, OAuth grants ------------------------


@dataclass
class Delivery:
    url: str
    body: dict[str, Any]
    status: int  # 0 = no answer
    answer: str = ""


@dataclass
class Grant:
    account: str
    redirect_uri: str
    expires_at: float


@dataclass
class StandInState:
    accounts: dict[str, Account] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> account login
    codes: dict[str, Grant] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (method, query without token)
    faults: list[Fault] = field(default_factory=list)
    receipts: list[PrintedReceipt] = field(default_factory=list)  # pre-checks the registers printed
    next_transaction_id: int = 1000


def history_payload(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "history_id": str(entry.time_ms),
        "type_history": entry.type_history,
        "spot_tablet_id": str(entry.spot_tablet_id),
        "time": str(entry.time_ms),
        "user_id": str(entry.user_id),
        "value": str(entry.value),
        "value2": str(entry.value2),
        "value3": str(entry.value3),
        "value4": "0",
        "value5": "0",
        "value_text": entry.value_text,
    }


def webhook_history_data(entry: HistoryEntry) -> str:
    """The ``data`` of a transaction ``changed`` webhook: a JSON string whose ``value_text`` is itself a JSON string,
    as seen in real deliveries (KOSACH docs/poster/web-hooks.md)."""
    value_text = json.dumps(entry.value_text) if entry.value_text is not None else None
    return json.dumps(
        {
            "transactions_history": {
                "type_history": entry.type_history,
                "time": entry.time_ms,
                "value": entry.value,
                "value2": entry.value2,
                "value3": entry.value3,
                "value4": 0,
                "value5": None,
                "value_text": value_text,
                "user_id": entry.user_id,
                "spot_tablet_id": entry.spot_tablet_id,
            }
        }
    )


def transaction_payload(account: Account, txn: Txn, *, include_products: bool, include_history: bool) -> dict[str, Any]:
    """One element of ``dash.getTransaction``'s ``response`` array, shaped like DOCS en/web/dash/getTransaction.md:
    every number a string, money in hundredths. POS order extras are not part of it (none is documented)."""
    payed_sum = txn.payed_cash_cents + txn.payed_card_cents
    payload: dict[str, Any] = {
        "transaction_id": str(txn.transaction_id),
        "date_start": str(txn.date_start_ms),
        "date_start_new": str(txn.date_start_ms),
        "date_close": str(txn.date_close_ms),
        "status": str(txn.status),
        "guests_count": "1",
        "discount": "0",
        "bonus": "0",
        "pay_type": _pay_type(txn),
        "payed_bonus": str(txn.payed_bonus_cents),
        "payed_card": str(txn.payed_card_cents),
        "payed_cash": str(txn.payed_cash_cents),
        "payed_sum": str(payed_sum),
        "payed_cert": str(txn.payed_cert_cents),
        "payed_third_party": "0",
        "round_sum": "0",
        "tip_sum": "0",
        "tips_card": "0",
        "tips_cash": "0",
        "sum": str(txn.sum_cents),
        "spot_id": txn.spot_id,
        "table_id": str(txn.table_id),
        "name": "Cashier",
        "user_id": str(txn.user_id),
        "client_id": str(txn.client_id),
        "card_number": "0",
        "transaction_comment": txn.comment,
        "reason": "",
        "print_fiscal": str(txn.print_fiscal),
        "total_profit": str(payed_sum),
        "table_name": "",
        "client_firstname": None,
        "client_lastname": None,
        "date_close_date": "",
    }
    if include_products:
        payload["products"] = [
            {
                "product_id": line.product_id,
                "modification_id": "0",
                "num": str(line.num),
                "product_price": str(line.price_cents * line.num),
                "payed_sum": str(line.price_cents * line.num),
                "product_cost": "0",
                "product_profit": str(line.price_cents * line.num),
            }
            for line in txn.lines
        ]
    if include_history:
        payload["history"] = [history_payload(entry) for entry in txn.history]
    return payload


def _pay_type(txn: Txn) -> str:
    if txn.status != 2:
        return "0"
    if txn.payed_cash_cents and txn.payed_card_cents:
        return "3"
    if txn.payed_card_cents:
        return "2"
    return "1" if txn.payed_cash_cents else "0"
