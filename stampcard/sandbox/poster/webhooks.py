"""The Poster stand-in's webhooks: bodies signed as Poster signs them, POSTed to the webhook URL, each delivery recorded
and sent again unchanged when asked (``redeliver``), as Poster repeats one that did not get HTTP 200."""

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx

from stampcard.sandbox.poster.state import Delivery, StandInState


def sign_webhook(body: dict[str, Any], *, secret: str) -> str:
    """Poster's webhook signature, as its PHP sample computes it (implode(';', …) of the values, then md5)."""

    def php(value: Any) -> str:
        return "" if value is None or value is False else "1" if value is True else str(value)

    parts = [php(body.get(k)) for k in ("account", "object", "object_id", "action")]
    if body.get("data") is not None:
        parts.append(php(body["data"]))
    parts += [php(body.get("time")), secret]
    return hashlib.md5(";".join(parts).encode()).hexdigest()  # noqa: S324 - Poster's scheme


class WebhookSender:
    """The webhook half of ``PosterStandIn`` (mixed into it): reads its accounts, secret and webhook URL."""

    state: StandInState
    lock: threading.RLock
    now: Callable[[], float]
    application_secret: str
    webhook_url: str

    def webhook_body(
        self,
        account: str,
        object_name: str,
        object_id: int | str,
        action: str,
        *,
        data: str | None = None,
        sent_at: int | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        """A webhook body as Poster sends it. ``secret`` (instead of the application's) forges one."""
        with self.lock:
            found = self.state.accounts.get(account)
            account_number = found.account_number if found else ""
        body: dict[str, Any] = {
            "account": account,
            "account_number": account_number,
            "object": object_name,
            "object_id": int(object_id) if str(object_id).isdigit() else object_id,
            "action": action,
            "time": str(sent_at if sent_at is not None else int(self.now())),
        }
        if data is not None:
            body["data"] = data
        body["verify"] = sign_webhook(body, secret=secret if secret is not None else self.application_secret)
        return body

    def webhook_post(self, body: dict[str, Any], url: str | None = None) -> Delivery:
        """POST one body to the webhook URL and record the answer."""
        url = url or self.webhook_url
        delivery = Delivery(url=url, body=body, status=0)
        if url:
            try:
                response = httpx.post(
                    url, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, timeout=30
                )
                delivery.status, delivery.answer = response.status_code, response.text[:500]
            except httpx.HTTPError as exc:
                delivery.answer = repr(exc)
        with self.lock:
            self.state.deliveries.append(delivery)
        return delivery

    def webhook_send(
        self, account: str, object_name: str, object_id: int | str, action: str, *, data: str | None = None
    ) -> Delivery | None:
        if not self.webhook_url:
            return None
        return self.webhook_post(self.webhook_body(account, object_name, object_id, action, data=data))

    def redeliver(self, *, times: int = 1) -> list[Delivery]:
        """Send again, unchanged, each delivery that did not get HTTP 200 (Poster: up to 15 more over two days)."""
        with self.lock:
            failed = [d for d in self.state.deliveries if d.status != 200]
        sent = []
        for delivery in failed:
            for _ in range(times):
                sent.append(self.webhook_post(delivery.body, delivery.url))
        return sent

    def deliveries(self) -> list[Delivery]:
        with self.lock:
            return list(self.state.deliveries)
