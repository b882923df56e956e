"""One change fanned out to many wallet cards: half Apple (APNs pushes), half Google (``addMessage``), through the
real clients to the APNs and Google Wallet stand-ins, beside a baseline of the same number of bare requests from one
httpx client to the same stand-ins, in the same run.

    .venv/bin/python -m bench.fanout                 # 100,000 cards
    .venv/bin/python -m bench.fanout --cards 2000    # a quick run

What is timed:

- fan-out, Apple: ``ApnsClient.push_many`` over one push token per card, i.e. what ``push.passes_notify`` sends once
  it has selected the due tokens: an HTTP/2 TLS connection, ``CONCURRENT_STREAMS`` streams at a time, the provider
  token (ES256 JWT), the topic and push-type headers, each answer turned into a ``PushResult``.
- fan-out, Google: ``WalletClient.add_message`` of a ``google.messages.message_body`` per card object, i.e. what
  ``google_message_send`` sends: OAuth2 token from the stand-in's token endpoint (service-account JWT), JSON body,
  error mapping; ``CONCURRENT_STREAMS`` threads share one client, as workers would share the host.
- baseline: the same number of requests to the same paths from one ``httpx.Client(http2=True)`` with the same
  thread count, headers and bodies prepared beforehand (a fixed JWT and bearer token, bytes ready to send).

The stand-ins run in a child process (their own interpreter, so their CPU does not share the benchmark's GIL), with
the Google objects already stored. The APNs stand-in speaks HTTP/2 over TLS; the Google stand-in is a stdlib HTTP/1.1
server, so both sides of the Google half use HTTP/1.1 keep-alive (httpx negotiates HTTP/2 only over TLS).

The database is not touched: the selection of due passes and the ``GoogleMessage`` rows are measured by the tests
and the other benches, this one measures the delivery. The stand-ins' counts are checked afterwards (every request
answered 200, every Google object holding its messages); a failed check makes the exit status 1. The report is
printed and written to ``var/bench/fanout.json``. **Target:** fan-out within 2x the baseline's time.

``bench.fanout_campaign`` measures the other way into the wallets, a campaign's wallet message through the sender
(database included), against this bench's baseline.
"""

import argparse
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
ISSUER_ID = "3388000000055555555"
CLASS_ID = f"{ISSUER_ID}.bench-program"
TARGET_RATIO = 2.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def object_ids(count: int) -> list[str]:
    return [f"{ISSUER_ID}.bench-card-{i:06d}" for i in range(count)]


def push_tokens(count: int) -> list[str]:
    return [f"{i:064x}" for i in range(count)]


# --- the stand-ins' process --------------------------------------------------------------------------------------


def _stand_ins(conn: Any, google_objects: int, service_account_file: str) -> None:
    """Child process: start both stand-ins, send their addresses; send their counts on "counts", and on "stop"
    before stopping."""
    _setup_django()
    from stampcard.sandbox import apns
    from stampcard.sandbox.google_wallet import GoogleWalletStandIn

    apns_stand_in = apns.for_settings(port=0).start()
    google = GoogleWalletStandIn(service_account_file=service_account_file, issuer_id=ISSUER_ID).start()
    google.state.classes[CLASS_ID] = {"id": CLASS_ID, "issuerName": "Bench", "programName": "Bench", "kind": "x"}
    for object_id in object_ids(google_objects):
        google.state.objects[object_id] = {"id": object_id, "classId": CLASS_ID, "state": "ACTIVE"}
    conn.send({"apns_url": apns_stand_in.url, "apns_ca": apns_stand_in.ca_file, "google": google.settings()})
    while conn.recv() != "stop":
        conn.send(_counts(apns_stand_in, google))
    conn.send(_counts(apns_stand_in, google))
    apns_stand_in.stop()
    google.stop()


def _counts(apns_stand_in: Any, google: Any) -> dict[str, Any]:
    with google.lock:
        held = [len(obj.get("messages") or []) for obj in google.state.objects.values()]
        google_statuses: dict[int, int] = {}
        for request in google.state.requests:
            google_statuses[request.status] = google_statuses.get(request.status, 0) + 1
    apns_statuses: dict[int, int] = {}
    for push in apns_stand_in.received:
        apns_statuses[push.status] = apns_statuses.get(push.status, 0) + 1
    return {
        "apns_statuses": apns_statuses,
        "apns_refused": len(apns_stand_in.refused),
        "apns_connections": apns_stand_in.connections,
        "google_statuses": google_statuses,
        "google_messages_held": sum(held),
        "google_objects_with_both": sum(1 for n in held if n >= 2),
        "google_fewest_messages_held": min(held, default=0),
        "google_connections": google.state.connections,
        "google_tokens": len(google.state.tokens),
    }


def _progress(line: str) -> None:
    print(f"  ... {line}", file=sys.stderr, flush=True)  # a long run's phases, kept if a later one fails


# --- the two sides -----------------------------------------------------------------------------------------------


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _fan_out_apple(tokens: list[str]) -> tuple[float, int]:
    from stampcard.wallet.apple.apns import ApnsClient

    with ApnsClient() as client:
        # The provider token is made once per process: outside the timing. The TLS connection is inside it, as for
        # the baseline (push_many opens one connection per call).
        client._headers()

        def push_all() -> list[Any]:
            results = client.push_many(tokens)
            # What the retry task would do later: push again where APNs did not answer (transport error, 5xx).
            again = client.push_many([result.push_token for result in results if result.retry])
            return [result for result in results if not result.retry] + again

        seconds, results = _timed(push_all)
    _progress(f"APNs fan-out: {len(tokens)} pushes in {seconds:.1f} s")
    return seconds, sum(1 for result in results if result.ok)


def _fan_out_google(ids: list[str], threads: int) -> tuple[float, int, str]:
    from stampcard.wallet.google import messages, payloads
    from stampcard.wallet.google.client import GoogleWalletError, WalletClient, http_client

    def send(pair: tuple[int, str]) -> bool:
        i, object_id = pair
        body = messages.message_body(header="Bench cafe", text="Double stamps!", message_key=f"m-{i}", notify=True)
        for attempt in range(2):  # a transport error is retried, as the worker would (google_message_send)
            try:
                client.add_message(payloads.OBJECT_RESOURCE, object_id, body)
                return True
            except GoogleWalletError:
                errors.append(object_id)
                if attempt:
                    return False
        return False

    errors: list[str] = []

    with http_client() as http:
        client = WalletClient(http=http)
        token = client._token()  # the OAuth2 exchange, once per process in production too: outside the timing
        with ThreadPoolExecutor(max_workers=threads) as pool:
            seconds, results = _timed(lambda: list(pool.map(send, enumerate(ids))))
    _progress(f"Google fan-out: {len(ids)} messages in {seconds:.1f} s ({len(errors)} transport errors retried)")
    return seconds, sum(results), token


def _baseline(requests: list[tuple[str, dict[str, str], bytes]], client: Any, threads: int) -> tuple[float, int]:
    import httpx

    def send(request: tuple[str, dict[str, str], bytes]) -> bool:
        url, headers, body = request
        for attempt in range(2):  # retried once on a transport error, like the fan-out
            try:
                return bool(client.post(url, content=body, headers=headers).status_code == 200)
            except httpx.TransportError:
                if attempt:
                    return False
        return False

    client.post(*requests[0][:1], content=requests[0][2], headers=requests[0][1])  # connect outside the timing
    with ThreadPoolExecutor(max_workers=threads) as pool:
        seconds, results = _timed(lambda: list(pool.map(send, requests)))
    return seconds, sum(results)


def _apns_baseline(tokens: list[str], streams: int) -> tuple[float, int]:
    """The same pushes as bare requests: one ``httpx.AsyncClient(http2=True)``, ``streams`` in flight on one
    connection, headers made beforehand."""
    import asyncio
    import ssl

    import httpx

    from stampcard.wallet.apple import apns, credentials

    conf = credentials.conf()
    key = credentials.apns_token_key()
    assert key is not None, "the bench needs the dev APNs token key (dev settings)"
    headers = {
        "apns-topic": conf["PASS_TYPE_ID"],
        **apns.PUSH_HEADERS,
        "authorization": f"bearer {apns._provider_token(key).get()}",
    }
    context = ssl.create_default_context(cafile=conf["APNS_CA_FILE"])

    async def send_all() -> int:
        in_flight = asyncio.Semaphore(streams)

        async def send(client: httpx.AsyncClient, token: str) -> bool:
            async with in_flight:
                response = await client.post(f"/3/device/{token}", content=b"{}", headers=headers)
                return response.status_code == 200

        async with httpx.AsyncClient(http2=True, base_url=conf["APNS_URL"], verify=context, timeout=30) as client:
            return sum(await asyncio.gather(*(send(client, token) for token in tokens)))

    seconds, ok = _timed(lambda: asyncio.run(send_all()))
    _progress(f"APNs baseline: {len(tokens)} requests in {seconds:.1f} s")
    return seconds, ok


def _google_baseline(ids: list[str], token: str, threads: int) -> tuple[float, int]:
    import httpx
    from django.conf import settings

    base = settings.GOOGLE_WALLET_API_URL.rstrip("/")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps(
        {"message": {"id": "msg-x", "header": "Bench cafe", "body": "Baseline", "messageType": "TEXT"}}
    ).encode()
    requests = [(f"{base}/loyaltyObject/{object_id}/addMessage", headers, body) for object_id in ids]
    with httpx.Client(http2=True, timeout=30) as client:
        seconds, ok = _baseline(requests, client, threads)
    _progress(f"Google baseline: {len(ids)} requests in {seconds:.1f} s")
    return seconds, ok


# --- the run -----------------------------------------------------------------------------------------------------


def run(*, cards: int, threads: int | None = None) -> dict[str, Any]:
    """Fan one change out to ``cards`` cards and run the baseline; returns the report (Django must be set up)."""
    from django.conf import settings
    from django.test import override_settings

    from stampcard.sandbox.google_wallet import service_account_ensure
    from stampcard.wallet.apple import apns
    from stampcard.wallet.google import client as google_client

    threads = threads or apns.CONCURRENT_STREAMS
    apple_cards, google_cards = cards - cards // 2, cards // 2
    account = service_account_ensure(Path(settings.VAR_DIR) / "google_wallet" / "bench_service_account.json")
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_stand_ins, args=(child, google_cards, str(account)), daemon=True)
    process.start()
    try:
        addresses = parent.recv()
        apple = {**settings.APPLE_WALLET, "APNS_URL": addresses["apns_url"], "APNS_CA_FILE": addresses["apns_ca"]}
        pointed = override_settings(APPLE_WALLET=apple, GOOGLE_SERVICE_ACCOUNT_FILE=str(account), **addresses["google"])
        tokens, ids = push_tokens(apple_cards), object_ids(google_cards)
        google_client._credentials.clear()  # tokens cached for another token endpoint
        with pointed:
            apple_seconds, apple_ok = _fan_out_apple(tokens)
            google_seconds, google_ok, bearer = _fan_out_google(ids, threads) if ids else (0.0, 0, "")
            apple_base_seconds, apple_base_ok = _apns_baseline(tokens, apns.CONCURRENT_STREAMS)
            google_base_seconds, google_base_ok = _google_baseline(ids, bearer, threads) if ids else (0.0, 0)
        google_client._credentials.clear()
        parent.send("stop")
        counts = parent.recv()
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()

    fan_out_seconds = apple_seconds + google_seconds
    baseline_seconds = apple_base_seconds + google_base_seconds
    ratio = fan_out_seconds / baseline_seconds if baseline_seconds else 0.0
    # The Google baseline's warm-up request is answered too; the checks count it.
    checks = {
        "fan_out_all_ok": apple_ok == apple_cards and google_ok == google_cards,
        "baseline_all_ok": apple_base_ok == apple_cards and google_base_ok == google_cards,
        "apns_stand_in_200s": counts["apns_statuses"].get(200, 0) == 2 * apple_cards,
        # Each object holds the fan-out's message and the baseline's (the first one the baseline's warm-up too; a
        # request retried after a transport error may have reached the stand-in twice).
        "google_objects_hold_both_messages": counts["google_objects_with_both"] == google_cards,
    }
    return {
        "cards": cards,
        "apple_cards": apple_cards,
        "google_cards": google_cards,
        "threads": threads,
        "fan_out_seconds": round(fan_out_seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3),
        "ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "within_target": ratio <= TARGET_RATIO,
        "fan_out_per_s": round(cards / fan_out_seconds, 1) if fan_out_seconds else 0.0,
        "baseline_per_s": round(cards / baseline_seconds, 1) if baseline_seconds else 0.0,
        "apple": {"fan_out_seconds": round(apple_seconds, 3), "baseline_seconds": round(apple_base_seconds, 3)},
        "google": {"fan_out_seconds": round(google_seconds, 3), "baseline_seconds": round(google_base_seconds, 3)},
        "answered_200": {
            "apple": apple_ok,
            "google": google_ok,
            "apple_baseline": apple_base_ok,
            "google_baseline": google_base_ok,
        },
        "stand_ins": counts,
        "checks": checks,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def _side(name: str, fan_out: float, baseline: float, count: int) -> str:
    rate = lambda seconds: count / seconds if seconds else 0.0  # noqa: E731
    ratio = fan_out / baseline if baseline else 0.0
    return (
        f"  {name:<7} {count:>7} cards   fan-out {fan_out:8.2f} s ({rate(fan_out):8.0f}/s)   "
        f"baseline {baseline:8.2f} s ({rate(baseline):8.0f}/s)   ratio {ratio:5.2f} x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000, help="wallet cards, half Apple half Google (100000)")
    parser.add_argument("--threads", type=int, default=None, help="concurrent requests (default: APNs streams, 8)")
    args = parser.parse_args(argv)
    if args.cards < 2:
        parser.error("--cards must be at least 2")
    _setup_django()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    report = run(cards=args.cards, threads=args.threads)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "fanout.json").write_text(json.dumps(report, indent=2))
    print(f"fanout: one change to {report['cards']} wallet cards, {report['threads']} requests in flight")
    print(_side("APNs", report["apple"]["fan_out_seconds"], report["apple"]["baseline_seconds"], report["apple_cards"]))
    google = report["google"]
    print(_side("Google", google["fan_out_seconds"], google["baseline_seconds"], report["google_cards"]))
    print(
        f"  total   fan-out {report['fan_out_seconds']:.2f} s ({report['fan_out_per_s']:.0f} cards/s), baseline "
        f"{report['baseline_seconds']:.2f} s ({report['baseline_per_s']:.0f} requests/s): "
        f"ratio {report['ratio']:.2f} x "
        f"(target <= {TARGET_RATIO:.0f} x: {'met' if report['within_target'] else 'NOT met'})"
    )
    failed = [name for name, ok in report["checks"].items() if not ok]
    verdict = "all passed" if not failed else "FAILED " + ", ".join(failed)
    print(f"  checks: {verdict}; load average {report['load_average_at_end']}")
    print(f"  written to {OUT_DIR / 'fanout.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
