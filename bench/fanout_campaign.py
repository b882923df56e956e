"""The campaign half of bench/fanout: one campaign wallet message to many cards (half Apple, half Google) through the
real sender (``campaigns.messages.sender``) to the APNs and Google Wallet stand-ins, sent twice: with a client per
card (as the sender did before ``wallet.clients``) and with the round's clients, beside the baseline bench/fanout
measures (the same number of bare HTTP/2 requests to the same stand-ins), in the same run.

    .venv/bin/python -m bench.fanout_campaign                   # 2,000 cards, SQLite file under var/bench
    .venv/bin/python -m bench.fanout_campaign --cards 200       # a quick run
    .venv/bin/python -m bench.fanout_campaign --pg              # PostgreSQL: stampcard_bench_campaign on BENCH_PG_URL

What is timed:

- per card (before): ``sender.message_send`` rounds until the message is done, each wallet send building its own
  clients, as ``apple_message_send`` and ``google_message_send`` do when none is handed in: an APNs HTTP/2 TLS
  connection per Apple card, an httpx client (a TCP connection) per Google card.
- round (after): the same for a second message to the same cards, every send of a round over the round's
  ``WalletClients``: one APNs connection, one Google client.
  Both do per card what the worker does: claim (50 a batch), decide, render the text in the card's language, store
  the Apple field under the pass's row lock and push; reserve the Google message and notification slot under the
  object's lock and ``addMessage``; record the answer, the delivery, and the batch's ledger lines.
- baseline: bench/fanout's own (``_apns_baseline``, ``_google_baseline``): bare requests, 8 in flight.

The sender sends one card after another, so the ratio to the baseline (8 requests in flight, nothing else to do)
says what a round costs per card, database included; before/after is the gain of this change. The Google OAuth
token is fetched before the timing (a worker fetches it once per process, both ways). The stand-ins' connection
counts are reported per phase. Checks: every delivery sent in both messages, every push and message answered 200,
each object holding both messages; a failed check makes the exit status 1. Written to
``var/bench/fanout_campaign.json``.
"""

import argparse
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import fanout
from bench.scratchdb import scratch_database

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
PG_DB = "stampcard_bench_campaign"
PARTS = {
    "en": {"subject": "", "text": "Double stamps this Friday!", "html": ""},
    "uk": {"subject": "", "text": "Подвійні штампи цієї пʼятниці!", "html": ""},
}


def _database(pg: bool) -> None:
    """Point Django at a fresh database, set it up and migrate it (outside the timing)."""
    scratch_database(pg=pg, pg_name=PG_DB, sqlite_path=OUT_DIR / "fanout_campaign.sqlite3")
    fanout._setup_django()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    fanout._progress(f"database migrated in {time.perf_counter() - started:.0f} s")


def _audience(apple_cards: int, google_cards: int) -> tuple[Any, list[Any]]:
    """A merchant's cards: the first ``apple_cards`` in Apple Wallet (a pass, one registered phone each, the push
    tokens bench/fanout uses), the rest saved to Google Wallet (the objects the stand-in holds)."""
    from django.db import transaction

    from stampcard.cards.models import Card, Program
    from stampcard.core import clock
    from stampcard.core.codes import random_card_qr
    from stampcard.customers.models import Customer
    from stampcard.merchants import services as merchants_services
    from stampcard.wallet.apple.models import AppleRegistration
    from stampcard.wallet.apple.services import apple_pass_ensure
    from stampcard.wallet.google.models import GoogleClass, GoogleObject

    started = time.perf_counter()
    count = apple_cards + google_cards
    with transaction.atomic():
        owner = merchants_services.staff_user_create(email="owner@bench.invalid", password=None)
        merchant = merchants_services.merchant_create(name="Bench Cafe", owner=owner, currency="UAH")
        program = Program.objects.create(merchant=merchant, name="Coffee card", is_default=True, goal=8)
        customers = Customer.objects.bulk_create(
            Customer(
                merchant=merchant, name=f"Customer {i}", name_folded=f"customer {i}", language="uk" if i % 2 else "en"
            )
            for i in range(count)
        )
        Card.objects.bulk_create(
            Card(merchant=merchant, program=program, customer=customer, number=f"{i:06d}", qr_payload=random_card_qr())
            for i, customer in enumerate(customers)
        )
        cards = list(Card.objects.filter(merchant=merchant).order_by("pk"))
        passes = [apple_pass_ensure(card=card) for card in cards[:apple_cards]]
        AppleRegistration.objects.bulk_create(
            AppleRegistration(apple_pass=apple_pass, device_library_identifier=f"phone{i:06d}", push_token=token)
            for i, (apple_pass, token) in enumerate(zip(passes, fanout.push_tokens(apple_cards), strict=True))
        )
        google_class = GoogleClass.objects.create(
            merchant=merchant, program=program, class_id=fanout.CLASS_ID, synced_at=clock.now()
        )
        GoogleObject.objects.bulk_create(
            GoogleObject(
                merchant=merchant, card=card, google_class=google_class, object_id=object_id, synced_at=clock.now()
            )
            for card, object_id in zip(cards[apple_cards:], fanout.object_ids(google_cards), strict=True)
        )
    fanout._progress(f"{count} cards in the wallets in {time.perf_counter() - started:.0f} s")
    return merchant, cards


def _per_card_clients() -> Callable[[], None]:
    """Make every wallet send build its own clients, as before the round shared them; returns the undo."""
    from stampcard.campaigns.messages import wallet
    from stampcard.wallet.clients import WalletClients

    real = wallet._send_one

    def send_one(which: str, delivery: Any, text: str, key: str, clients: WalletClients) -> Any:  # noqa: ARG001
        with WalletClients() as own:
            return real(which, delivery, text, key, own)

    wallet._send_one = send_one  # type: ignore[assignment]
    return lambda: setattr(wallet, "_send_one", real)


def _send_campaign(merchant: Any, cards: list[Any], label: str) -> tuple[float, Any]:
    from stampcard.campaigns.messages import sender, services
    from stampcard.campaigns.messages.models import Message, MessageState
    from stampcard.merchants.actors import Actor

    message = services.message_create(actor=Actor.system(merchant), channels=["wallet"], parts=PARTS, source="bench")
    services.message_recipients_add(message=message, cards=cards)
    services.message_send_start(message=message)
    rounds = 0
    started = time.perf_counter()
    while Message.objects.filter(pk=message.pk, state=MessageState.SENDING).exists() and rounds < 5:
        sender.message_send(message_id=message.pk, seconds=3600)
        rounds += 1  # more than one only when a delivery waits for a retry: the checks say so
    seconds = time.perf_counter() - started
    fanout._progress(f"campaign, {label}: {len(cards)} cards in {seconds:.1f} s")
    return seconds, message


def _phase(parent: Any, work: Callable[[], Any]) -> tuple[Any, dict[str, int]]:
    """Run ``work``; return its result and the connections and tokens the stand-ins saw during it."""
    parent.send("counts")
    before = parent.recv()
    result = work()
    parent.send("counts")
    after = parent.recv()
    keys = ("apns_connections", "google_connections", "google_tokens")
    return result, {key: after[key] - before[key] for key in keys}


def run(*, cards: int, pg: bool) -> dict[str, Any]:
    apple_cards, google_cards = cards - cards // 2, cards // 2
    _database(pg)
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import override_settings

    from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery
    from stampcard.sandbox.google_wallet import service_account_ensure
    from stampcard.wallet.apple import apns
    from stampcard.wallet.google import client as google_client

    merchant, audience = _audience(apple_cards, google_cards)
    account = service_account_ensure(Path(settings.VAR_DIR) / "google_wallet" / "bench_service_account.json")
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=fanout._stand_ins, args=(child, google_cards, str(account)), daemon=True)
    process.start()
    try:
        addresses = parent.recv()
        apple = {**settings.APPLE_WALLET, "APNS_URL": addresses["apns_url"], "APNS_CA_FILE": addresses["apns_ca"]}
        pointed = override_settings(
            APPLE_WALLET=apple,
            GOOGLE_SERVICE_ACCOUNT_FILE=str(account),
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},  # rounds run here
            **addresses["google"],
        )
        google_client._credentials.clear()
        with pointed:
            with google_client.http_client() as http:
                bearer = google_client.WalletClient(http=http)._token()  # once per process: outside the timing
            undo = _per_card_clients()
            try:
                (before_seconds, before), before_seen = _phase(
                    parent, lambda: _send_campaign(merchant, audience, "a client per card")
                )
            finally:
                undo()
            (after_seconds, after), after_seen = _phase(
                parent, lambda: _send_campaign(merchant, audience, "the round's clients")
            )
            tokens, ids = fanout.push_tokens(apple_cards), fanout.object_ids(google_cards)
            (apple_base_seconds, apple_base_ok), _ = _phase(
                parent, lambda: fanout._apns_baseline(tokens, apns.CONCURRENT_STREAMS)
            )
            (google_base_seconds, google_base_ok), _ = _phase(
                parent, lambda: fanout._google_baseline(ids, bearer, apns.CONCURRENT_STREAMS)
            )
        google_client._credentials.clear()
        states = {
            label: dict(
                MessageDelivery.objects.filter(message=message).order_by().values_list("state").annotate(n=Count("pk"))
            )
            for label, message in (("before", before), ("after", after))
        }
        vendor = connection.vendor
        parent.send("stop")
        counts = parent.recv()
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()

    baseline_seconds = apple_base_seconds + google_base_seconds
    ratio = lambda seconds: round(seconds / baseline_seconds, 2) if baseline_seconds else 0.0  # noqa: E731
    checks = {
        "every_delivery_sent": all(
            state.get(DeliveryState.SENT, 0) == cards and len(state) == 1 for state in states.values()
        ),
        "baseline_all_ok": apple_base_ok == apple_cards and google_base_ok == google_cards,
        "apns_stand_in_200s": counts["apns_statuses"].get(200, 0) == 3 * apple_cards,
        # Each object holds both campaign messages and the baseline's (bench/fanout's warm-up adds one more).
        "google_objects_hold_all_messages": counts["google_fewest_messages_held"] >= 3,
    }
    return {
        "cards": cards,
        "apple_cards": apple_cards,
        "google_cards": google_cards,
        "database": vendor,
        "per_card_seconds": round(before_seconds, 3),
        "round_seconds": round(after_seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3),
        "per_card_ratio": ratio(before_seconds),
        "round_ratio": ratio(after_seconds),
        "speedup": round(before_seconds / after_seconds, 2) if after_seconds else 0.0,
        "connections": {"per_card": before_seen, "round": after_seen},
        "baseline": {"apple_seconds": round(apple_base_seconds, 3), "google_seconds": round(google_base_seconds, 3)},
        "stand_ins": counts,
        "checks": checks,
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=2000, help="wallet cards, half Apple half Google (2000)")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (BENCH_PG_URL) instead of a SQLite file")
    args = parser.parse_args(argv)
    if args.cards < 2:
        parser.error("--cards must be at least 2")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    report = run(cards=args.cards, pg=args.pg)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "fanout_campaign.json").write_text(json.dumps(report, indent=2))
    print(
        f"fanout (campaign): one wallet message to {report['cards']} cards ({report['apple_cards']} Apple, "
        f"{report['google_cards']} Google), {report['database']} database"
    )
    rate = lambda seconds: report["cards"] / seconds if seconds else 0.0  # noqa: E731
    for label, key, seen in (
        ("a client per card", "per_card", report["connections"]["per_card"]),
        ("the round's clients", "round", report["connections"]["round"]),
    ):
        seconds = report[f"{key}_seconds"]
        print(
            f"  {label:<20} {seconds:8.2f} s ({rate(seconds):6.0f} cards/s)   ratio {report[f'{key}_ratio']:6.2f} x   "
            f"connections: APNs {seen['apns_connections']}, Google {seen['google_connections']}; "
            f"OAuth tokens {seen['google_tokens']}"
        )
    print(f"  baseline             {report['baseline_seconds']:8.2f} s ({rate(report['baseline_seconds']):6.0f} req/s)")
    print(f"  the round's clients: {report['speedup']:.2f} x faster than a client per card")
    failed = [name for name, ok in report["checks"].items() if not ok]
    verdict = "all passed" if not failed else "FAILED " + ", ".join(failed)
    print(f"  checks: {verdict}; load average {report['load_average_at_end']}")
    print(f"  written to {OUT_DIR / 'fanout_campaign.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
