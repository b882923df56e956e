"""A closed-loop load generator for a realistic mix of stampcard's hot endpoints, tallied per endpoint.

Each of N clients is one till with its customers: it walks a fixed schedule (``SCHEDULE``) over the cards it owns
(client i owns cards i, i+N, ...: no two clients queue on one card's row lock, as at real counters). The till's
requests (identify, preview, commit, reverse, receipt claim, voucher redeem) go over one keep-alive connection with
the cashier's key; the customer's phone requests (receipt page and collect, pass download, PassKit web service,
Google save link) each open a connection from their own loopback address (127.1.x.y), as phones come from many
addresses, so the per-address limits on customer pages see realistic traffic rather than one flooding address.

Like ``bench.loadgen`` (whose percentile and CPU helpers it uses) it drains at the end, and speaks the same protocol
with the orchestrator: ``WARM_DONE``, ``MEASURE_DONE``, then one JSON line.
"""

import argparse
import asyncio
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bench.loadgen import CHECK_TOTAL, Target, measured_window, percentile

# One visit of the till and the phones in its queue: the weights of a realistic day (identify and preview before
# every commit, most commits plain, a reversal, receipt claim, voucher or wallet install now and then; devices poll
# the PassKit web service whenever a pass changes).
SCHEDULE = (
    "identify_number", "preview", "commit", "passkit_serials", "passkit_latest",
    "identify_qr", "preview", "commit", "google_save",
    "receipt_claim", "receipt_page", "receipt_collect", "passkit_serials", "passkit_latest",
    "identify_qr", "preview", "commit", "reverse",
    "identify_number", "voucher_redeem", "pass_download", "passkit_register",
)  # fmt: skip
ENDPOINTS = tuple(dict.fromkeys(SCHEDULE))
# Answers that are the endpoint working as designed, besides 2xx.
EXPECTED = {
    "passkit_latest": {304},  # the device's copy is current
    "google_save": {302},  # off to Google with the save link
    "receipt_collect": {302},  # back to the claim page, collected
}
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_CSRF_COOKIE = re.compile(rb"csrftoken=([^;\s]+)")


@dataclass
class Endpoint:
    latencies_us: list[int] = field(default_factory=list)
    ok_total: int = 0  # 2xx or expected, every phase
    unexpected_total: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # measured window
    first_error: str = ""


@dataclass
class Tally:
    window_start: float = 0.0
    window_end: float = 0.0
    endpoints: dict[str, Endpoint] = field(default_factory=lambda: {name: Endpoint() for name in ENDPOINTS})
    per_second: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    first_error: str = ""
    skipped: int = 0  # a step with nothing to act on (no voucher left): not sent


@dataclass
class Response:
    status: int
    headers: bytes
    body: bytes
    closing: bool

    def header(self, name: bytes) -> str:
        match = re.search(rb"\r\n" + name + rb":\s*([^\r\n]*)", self.headers, re.IGNORECASE)
        return match.group(1).decode() if match else ""


async def read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    length = int(match.group(1)) if match and status not in (204, 304) else 0
    if match is None and status not in (204, 304):
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    body = await reader.readexactly(length) if length else b""
    return Response(status, head, body, b"\r\nconnection: close" in head.lower())


def build(target: Target, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {target.host}:{target.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Phone:
    """Where phones come from: a new loopback address per request, cycling through 127.1.0.1 .. 127.1.255.254."""

    def __init__(self, offset: int) -> None:
        self._addresses = itertools.count(offset * 4099)

    def address(self) -> str:
        n = next(self._addresses) % 65534 + 1
        return f"127.1.{n >> 8}.{n & 255}"


@dataclass
class Till:
    """One client's state: its cards, vouchers, keep-alive connection, and what its earlier steps left behind."""

    index: int
    target: Target
    cards: list[dict[str, str]]
    vouchers: list[str]
    tally: Tally
    phone: Phone
    seq: int = 0
    visit: int = 0
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    last_check: str = ""
    receipt_token: str = ""
    receipt_csrf: tuple[str, str] = ("", "")
    last_modified: dict[str, str] = field(default_factory=dict)
    serials_tag: dict[str, str] = field(default_factory=dict)

    @property
    def card(self) -> dict[str, str]:
        return self.cards[self.visit % len(self.cards)]

    def tag(self) -> str:
        self.seq += 1
        return f"{self.target.run_id}-{self.index}-{self.seq}"

    def api(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.target.api_key}", **(extra or {})}

    def check(self, tag: str) -> dict[str, Any]:
        return {"external_id": tag, "total": CHECK_TOTAL, "currency": self.target.currency}

    def device(self) -> str:
        return f"dev{self.target.run_id}{self.card['serial'][:12]}"

    async def send(self, request: bytes, *, phone: bool) -> Response:
        if phone:  # a fresh connection from the phone's own address, closed after the answer
            reader, writer = await asyncio.open_connection(
                self.target.host, self.target.port, local_addr=(self.phone.address(), 0)
            )
            try:
                writer.write(request)
                return await read_response(reader)
            finally:
                writer.close()
        if self.conn is None:
            self.conn = await asyncio.open_connection(self.target.host, self.target.port)
        reader, writer = self.conn
        try:
            writer.write(request)
            response = await read_response(reader)
        except BaseException:
            writer.close()
            self.conn = None
            raise
        if response.closing:  # gunicorn's sync worker: no keep-alive
            writer.close()
            self.conn = None
        return response

    def json_post(self, path: str, payload: dict[str, Any] | None, idempotent: bool = True) -> bytes:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = self.api({"Content-Type": "application/json"})
        if idempotent:
            headers["Idempotency-Key"] = f"idem-{self.tag()}"
        return build(self.target, "POST", path, headers, body)

    def request_for(self, step: str) -> tuple[bytes, bool] | None:
        """The request of one step and whether a phone sends it; None when the step has nothing to act on."""
        card, t = self.card, self.target
        if step == "identify_number":
            return build(t, "GET", f"/api/v1/cards/lookup?q={card['number']}", self.api()), False
        if step == "identify_qr":
            return build(t, "GET", f"/api/v1/cards/lookup?q={quote(card['qr'], safe='')}", self.api()), False
        if step == "preview":
            body = {"card": card["number"], "check": self.check(f"{t.run_id}-{self.index}-preview")}
            return self.json_post("/api/v1/checkouts/preview", body, idempotent=False), False
        if step == "commit":
            self.last_check = self.tag()
            return self.json_post(
                "/api/v1/checkouts", {"card": card["number"], "check": self.check(self.last_check)}
            ), False
        if step == "reverse":
            if not self.last_check:
                return None
            check, self.last_check = self.last_check, ""
            return self.json_post(f"/api/v1/checkouts/{check}/reverse", {"kind": "refund"}), False
        if step == "receipt_claim":
            return self.json_post("/api/v1/receipts", {"check": self.check(self.tag())}), False
        if step == "receipt_page":
            if not self.receipt_token:
                return None
            return build(t, "GET", f"/r/{self.receipt_token}", {"Cookie": f"stampcard_cards={card['cookie']}"}), True
        if step == "receipt_collect":
            token, (csrf_input, csrf_cookie) = self.receipt_token, self.receipt_csrf
            if not (token and csrf_input):
                return None
            self.receipt_token, self.receipt_csrf = "", ("", "")
            form = f"csrfmiddlewaretoken={quote(csrf_input)}&action=collect".encode()
            headers = {
                "Cookie": f"stampcard_cards={card['cookie']}; csrftoken={csrf_cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            }
            return build(t, "POST", f"/r/{token}", headers, form), True
        if step == "voucher_redeem":
            if not self.vouchers:
                return None
            return self.json_post(f"/api/v1/vouchers/{self.vouchers.pop()}/redeem", None), False
        if step == "pass_download":
            return build(t, "GET", f"/wallet/apple/pass/{card['pass_token']}.pkpass", {}), True
        auth = {"Authorization": f"ApplePass {card['pass_auth']}"}
        base = "/wallet/apple/v1"
        if step == "passkit_register":
            push = json.dumps({"pushToken": f"{self.index:032x}{self.visit:032x}"}).encode()
            path = f"{base}/devices/{self.device()}/registrations/{card['pass_type']}/{card['serial']}"
            return build(t, "POST", path, {**auth, "Content-Type": "application/json"}, push), True
        if step == "passkit_serials":
            since = self.serials_tag.get(card["serial"])
            query = f"?passesUpdatedSince={quote(since)}" if since else ""
            return build(t, "GET", f"{base}/devices/{self.device()}/registrations/{card['pass_type']}{query}", {}), True
        if step == "passkit_latest":
            if since := self.last_modified.get(card["serial"]):
                auth["If-Modified-Since"] = since
            return build(t, "GET", f"{base}/passes/{card['pass_type']}/{card['serial']}", auth), True
        if step == "google_save":
            return build(t, "GET", f"/c/{card['web_token']}/google", {}), True
        raise ValueError(step)

    def learn(self, step: str, response: Response) -> None:
        """Keep what later steps need from an answer (a claim's token, a CSRF pair, a pass's Last-Modified)."""
        if step == "receipt_claim" and response.status == 201:
            self.receipt_token = json.loads(response.body)["token"]
        elif step == "receipt_page" and response.status == 200:
            form, cookie = _CSRF_INPUT.search(response.body), _CSRF_COOKIE.search(response.headers)
            if form and cookie:
                self.receipt_csrf = (form.group(1).decode(), cookie.group(1).decode())
        elif step in ("pass_download", "passkit_latest") and (modified := response.header(b"last-modified")):
            self.last_modified[self.card["serial"]] = modified
        elif step == "passkit_serials" and response.status == 200:
            self.serials_tag[self.card["serial"]] = json.loads(response.body)["lastUpdated"]


def _record(tally: Tally, step: str, response: Response, started: float, done: float) -> None:
    endpoint = tally.endpoints[step]
    good = 200 <= response.status < 300 or response.status in EXPECTED.get(step, ())
    if good:
        endpoint.ok_total += 1
    else:
        endpoint.unexpected_total += 1
        endpoint.first_error = endpoint.first_error or f"HTTP {response.status}: {response.body[:300]!r}"
    if tally.window_start <= done <= tally.window_end:
        endpoint.latencies_us.append(int((done - started) * 1_000_000))
        endpoint.statuses[response.status] = endpoint.statuses.get(response.status, 0) + 1
        second = int(done - tally.window_start)
        tally.per_second[second] = tally.per_second.get(second, 0) + 1


async def _client(till: Till, deadline: float) -> None:
    tally = till.tally
    # Each till starts at its own place in the schedule, so even a short window at many clients sees the whole mix
    # (steps that need an earlier one's result, a reversal without a commit, are skipped until it has one).
    start = till.index % len(SCHEDULE)
    for position in itertools.chain(range(start, len(SCHEDULE)), itertools.cycle(range(len(SCHEDULE)))):
        if time.perf_counter() >= deadline:
            break
        step = SCHEDULE[position]
        if position == 0:
            till.visit += 1
        made = till.request_for(step)
        if made is None:
            tally.skipped += 1
            continue
        request, phone = made
        started = time.perf_counter()
        try:
            response = await till.send(request, phone=phone)
        except (OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
            tally.transport_errors += 1
            tally.first_error = tally.first_error or f"{step}: {type(exc).__name__}: {exc}"
            continue
        _record(tally, step, response, started, time.perf_counter())
        till.learn(step, response)
    if till.conn is not None:
        till.conn[1].close()


def summary(endpoint: Endpoint, seconds: float) -> dict[str, Any]:
    latencies = sorted(endpoint.latencies_us)
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 2),
        "ok_total": endpoint.ok_total,
        "unexpected_total": endpoint.unexpected_total,
        "statuses": {str(k): v for k, v in sorted(endpoint.statuses.items())},
        "first_error": endpoint.first_error,
        "latency_us": {name: percentile(latencies, q) for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
    }


async def run(
    target: Target, cards: list[dict[str, str]], vouchers: list[str], clients: int, warmup: float, seconds: float
) -> dict[str, Any]:
    if len(cards) < clients:
        raise SystemExit(f"need at least as many cards ({len(cards)}) as clients ({clients})")
    now = time.perf_counter()
    tally = Tally(window_start=now + warmup, window_end=now + warmup + seconds)
    tills = [
        Till(i, target, cards[i::clients], vouchers[i::clients], tally, Phone(i + sum(target.run_id.encode()) % 97))
        for i in range(clients)
    ]
    tasks = [asyncio.create_task(_client(till, tally.window_end)) for till in tills]
    cpu_used, crashed = await measured_window(tasks, window_start=tally.window_start, window_end=tally.window_end)
    endpoints = {name: summary(endpoint, seconds) for name, endpoint in tally.endpoints.items()}
    everything = sorted(lat for endpoint in tally.endpoints.values() for lat in endpoint.latencies_us)
    return {
        "loadgen": "python (bench.mixgen)",
        "clients": clients,
        "seconds": seconds,
        "requests": len(everything),
        "rps": len(everything) / seconds,
        "latency_us": {name: percentile(everything, q) for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
        "endpoints": endpoints,
        "transport_errors": tally.transport_errors,
        "skipped": tally.skipped,
        "first_error": tally.first_error or "; ".join(crashed),
        "crashed_clients": crashed,
        "per_second": [tally.per_second.get(s, 0) for s in range(int(seconds))],
        "loadgen_cpu_seconds": round(cpu_used, 3),
        "vouchers_left": sum(len(till.vouchers) for till in tills),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mixgen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed-file", required=True, help="the JSON printed by `bench.mixctl seed`")
    parser.add_argument("--vouchers-from", type=int, default=0, help="skip the vouchers earlier steps used")
    parser.add_argument("--vouchers", type=int, default=0, help="vouchers this step may redeem")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    with open(args.seed_file) as fh:
        seed = json.load(fh)
    target = Target(args.host, args.port, seed["api_key"], seed["currency"], args.run_id)
    vouchers = seed["vouchers"][args.vouchers_from : args.vouchers_from + args.vouchers]
    result = asyncio.run(run(target, seed["cards_extra"], vouchers, args.clients, args.warmup, args.seconds))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
