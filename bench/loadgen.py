"""A lean closed-loop HTTP/1.1 load generator for ``POST /api/v1/checkouts`` (the bench's default client).

Each of N clients owns one keep-alive connection and sends its next request as soon as the previous answer is in.
It runs on asyncio with hand-built requests and minimal response parsing, so one process costs a few tens of
microseconds of CPU per request; the orchestrator reports that cost beside the server's so it is visible.

Unlike wrk, it drains at the end: no request is abandoned in flight, so every request the server committed was
counted here, and the number of 2xx answers must equal the number of checks in the database exactly.

Protocol with the orchestrator (stdout): ``WARM_DONE`` when the measured window opens, ``MEASURE_DONE`` when it
closes, then one JSON line with the results.
"""

import argparse
import asyncio
import json
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

CHECK_TOTAL = 12550


@dataclass
class Target:
    host: str
    port: int
    api_key: str
    currency: str
    run_id: str


@dataclass
class Tally:
    """What all clients saw. ``latencies_us`` and ``per_second`` cover the measured window only."""

    window_start: float = 0.0
    window_end: float = 0.0
    latencies_us: list[int] = field(default_factory=list)
    per_second: dict[int, int] = field(default_factory=dict)
    ok_total: int = 0  # every phase, for the correctness check
    non2xx_total: int = 0
    transport_errors: int = 0
    measured_non2xx: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str = ""


def _request(target: Target, card: str, tag: str) -> bytes:
    body = (
        f'{{"card":"{card}","check":{{"external_id":"{tag}","total":{CHECK_TOTAL},"currency":"{target.currency}"}}}}'
    ).encode()
    head = (
        f"POST /api/v1/checkouts HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
        f"Authorization: Bearer {target.api_key}\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: idem-{tag}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server will close the connection. Needs Content-Length (Django sets it)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    end = lowered.index(b"\r\n", at + 2)
    body = await reader.readexactly(int(lowered[at + 17 : end]))
    return status, body, b"\r\nconnection: close" in lowered


async def _client(index: int, target: Target, cards: list[str], tally: Tally, deadline: float) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    seq = 0
    while time.perf_counter() < deadline:
        if writer is None:
            reader, writer = await asyncio.open_connection(target.host, target.port)
        assert reader is not None
        card = cards[seq % len(cards)]
        tag = f"{target.run_id}-{index}-{seq}"
        seq += 1
        started = time.perf_counter()
        try:
            writer.write(_request(target, card, tag))
            status, body, closing = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
            tally.transport_errors += 1
            tally.first_error = tally.first_error or f"{type(exc).__name__}: {exc}"
            writer.close()
            reader = writer = None
            continue
        done = time.perf_counter()
        if 200 <= status < 300:
            tally.ok_total += 1
        else:
            tally.non2xx_total += 1
            tally.first_error = tally.first_error or f"HTTP {status}: {body[:300].decode(errors='replace')}"
        if tally.window_start <= done <= tally.window_end:
            tally.latencies_us.append(int((done - started) * 1_000_000))
            second = int(done - tally.window_start)
            tally.per_second[second] = tally.per_second.get(second, 0) + 1
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
            if not 200 <= status < 300:
                tally.measured_non2xx += 1
        if closing:  # e.g. gunicorn's sync worker: no keep-alive
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def measured_window(
    tasks: list["asyncio.Task[None]"], *, window_start: float, window_end: float
) -> tuple[float, list[str]]:
    """Wait out the warm-up and the measured window while the clients run (announcing both on stdout for the bench
    that samples the servers' CPU), then collect the clients: the load generator's CPU seconds in the window, and
    what crashed."""
    await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
    cpu_started = _cpu_seconds()
    print("WARM_DONE", flush=True)
    await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
    cpu_used = _cpu_seconds() - cpu_started
    print("MEASURE_DONE", flush=True)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return cpu_used, [repr(r) for r in results if isinstance(r, BaseException)]


async def run(target: Target, cards: list[str], clients: int, warmup: float, seconds: float) -> dict[str, Any]:
    if len(cards) < clients:
        raise SystemExit(f"need at least as many cards ({len(cards)}) as clients ({clients})")
    now = time.perf_counter()
    tally = Tally(window_start=now + warmup, window_end=now + warmup + seconds)
    # Client i owns the cards i, i+N, i+2N, ...: concurrent requests never queue on one card's row lock, as at a
    # real counter, where one customer pays at one till at a time.
    tasks = [
        asyncio.create_task(_client(i, target, cards[i::clients], tally, tally.window_end)) for i in range(clients)
    ]
    cpu_used, crashed = await measured_window(tasks, window_start=tally.window_start, window_end=tally.window_end)
    latencies = sorted(tally.latencies_us)
    measured = len(latencies)
    return {
        "loadgen": "python",
        "clients": clients,
        "seconds": seconds,
        "requests": measured,
        "rps": measured / seconds,
        "ok_total": tally.ok_total,
        "non2xx_total": tally.non2xx_total,
        "measured_non2xx": tally.measured_non2xx,
        "transport_errors": tally.transport_errors,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "first_error": tally.first_error,
        "crashed_clients": crashed,
        "latency_us": {
            "p50": percentile(latencies, 0.50),
            "p90": percentile(latencies, 0.90),
            "p99": percentile(latencies, 0.99),
            "p999": percentile(latencies, 0.999),
            "max": latencies[-1] if latencies else 0,
            "mean": round(sum(latencies) / measured, 1) if measured else 0,
        },
        "per_second": [tally.per_second.get(s, 0) for s in range(int(seconds))],
        "loadgen_cpu_seconds": round(cpu_used, 3),
        # Abandoned requests would make the DB hold more checks than we counted; this client never abandons.
        "exact_accounting": True,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadgen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--cards-file", required=True, help="one card number per line")
    parser.add_argument("--currency", default="UAH")
    parser.add_argument("--run-id", required=True, help="prefix of the check external ids; unique per run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    with open(args.cards_file) as fh:
        cards = [line.strip() for line in fh if line.strip()]
    target = Target(host=args.host, port=args.port, api_key=args.api_key, currency=args.currency, run_id=args.run_id)
    result = asyncio.run(run(target, cards, args.clients, args.warmup, args.seconds))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
