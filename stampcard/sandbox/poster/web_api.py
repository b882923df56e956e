"""The Poster Web API methods the stand-in answers, read from and written to its in-memory accounts
(``reference/poster.md``): each takes the account the token belongs to and the query, and answers
``{"response": …}`` or ``{"error": {"code", "message"}}`` with Poster's shapes (numbers as strings, money in
hundredths). ``PosterStandIn.api`` checks the token and dispatches here through ``METHODS``."""

import time
from collections.abc import Callable
from typing import Any

from stampcard.sandbox.poster.state import Account, HistoryEntry, Line, transaction_payload


def _flag(query: dict[str, str], name: str) -> bool:
    return query.get(name, "").lower() in {"1", "true"}


def _get_transaction(account: Account, query: dict[str, str]) -> dict[str, Any]:
    raw = query.get("transaction_id", "")
    if not raw:
        return {"error": {"code": 34, "message": "Absence of required properties: transaction_id"}}
    txn = account.transactions.get(int(raw)) if raw.isdigit() else None
    if txn is None:
        return {"error": {"code": 32, "message": "The ID doesn't exist"}}
    payload = transaction_payload(
        account, txn, include_products=_flag(query, "include_products"), include_history=_flag(query, "include_history")
    )
    return {"response": [payload]}


def _get_spots(account: Account, query: dict[str, str]) -> dict[str, Any]:
    return {
        "response": [
            {
                "spot_id": s.spot_id,
                "spot_name": s.name,
                "spot_adress": s.address,  # sic: Poster's spelling
                "storages": [
                    {"storage_id": int(s.spot_id), "storage_name": f"Storage {s.name}", "storage_adress": s.address}
                ],  # fmt: skip
            }
            for s in account.spots.values()
        ]
    }


def _all_settings(account: Account, query: dict[str, str]) -> dict[str, Any]:
    return {
        "response": {
            "COMPANY_ID": account.account,
            "company_name": account.company_name,
            "company_type": 1,
            "timezones": account.timezone,
            "lang": account.lang,
            "uses_tables": 0,
            "uses_cash_shifts": 1,
            "currency": {
                "currency_id": 1,
                "currency_name": "Гривня" if account.currency == "UAH" else account.currency,
                "currency_code": "грн." if account.currency == "UAH" else account.currency,
                "currency_symbol": "₴" if account.currency == "UAH" else account.currency,
                "currency_code_iso": account.currency,
            },
            "email": account.owner_email,
            "name": account.owner_name,
        }
    }


def _company_name(account: Account, query: dict[str, str]) -> dict[str, Any]:
    return {"response": {"value": account.company_name}}


def _products(account: Account, query: dict[str, str]) -> dict[str, Any]:
    return {
        "response": [
            {
                "product_id": p.product_id,
                "product_name": p.name,
                "menu_category_id": p.category_id,
                "type": "3",
                "nodiscount": "0",
                "spots": [
                    {"spot_id": s.spot_id, "price": str(p.price_cents), "visible": "1"} for s in account.spots.values()
                ],
            }
            for p in account.products.values()
        ]
    }


def _add_transaction_product(account: Account, query: dict[str, str]) -> dict[str, Any]:
    """``transactions.addTransactionProduct`` (DOCS ru/web/transactions/addTransactionProduct.md): a line on an open
    order, at ``price`` when given. Unconfirmed: the unit of ``price`` (taken as hundredths, like the Web API's other
    amounts; the POS app only ever sends 0). The stand-in sends no webhook for this Web API edit."""
    missing = [k for k in ("spot_id", "spot_tablet_id", "transaction_id", "product_id") if not query.get(k)]
    if missing:
        return {"error": {"code": 34, "message": f"Absence of required properties: {', '.join(missing)}"}}
    raw = query["transaction_id"]
    txn = account.transactions.get(int(raw)) if raw.isdigit() else None
    if txn is None or txn.status != 1:
        return {"error": {"code": 42, "message": "Order not found"}}
    product = account.products.get(query["product_id"])
    if product is None:
        return {"error": {"code": 41, "message": "Product not found"}}
    price = query.get("price", "")
    try:
        price_cents = product.price_cents if price == "" else int(float(price))
    except ValueError:
        return {"error": {"code": 34, "message": "price must be a number"}}
    txn.lines.append(Line(product_id=product.product_id, num=1, price_cents=price_cents))
    txn.history.append(HistoryEntry("additem", int(time.time() * 1000), value=product.product_id,
                                    value_text={"price": price_cents / 100}))  # fmt: skip
    return {"response": {"transaction_product": len(txn.lines) + 10000}}


METHODS: dict[str, Callable[[Account, dict[str, str]], dict[str, Any]]] = {
    "transactions.addTransactionProduct": _add_transaction_product,
    "dash.getTransaction": _get_transaction,
    "access.getSpots": _get_spots,
    "settings.getAllSettings": _all_settings,
    "settings.getCompanyName": _company_name,
    "menu.getProducts": _products,
}
