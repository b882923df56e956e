"""The Django side of the stamp-throughput bench: seed, verify, count queries.

Run by ``bench.stamp_throughput`` in a subprocess with ``DATABASE_URL`` pointing at the bench database, so the
orchestrator itself never imports Django. Every subcommand prints one JSON document on stdout (logs go to stderr).

    python -m bench.appctl seed --cards 1000
    python -m bench.appctl verify
    python -m bench.appctl queries --seed-file var/bench/seed.json
    python -m bench.appctl profile --seed-file var/bench/seed.json --requests 500
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Sum, Value  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from stampcard.api.models import IdempotencyRecord  # noqa: E402
from stampcard.cards import services as cards_services  # noqa: E402
from stampcard.cards.models import Card, CardEvent, Check, EarningRule, EventKind, Program  # noqa: E402
from stampcard.checkouts import services as checkouts_services  # noqa: E402
from stampcard.merchants import services as merchants_services  # noqa: E402
from stampcard.merchants.actors import Actor, Channel  # noqa: E402
from stampcard.merchants.models import BillingInterval, Merchant, Plan, Role, UsageCounter  # noqa: E402
from stampcard.rewards.models import Reward  # noqa: E402

GOAL = 8
CURRENCY = "UAH"
CHECK_TOTAL = 12550


def seed(*, cards: int, prefill: bool) -> dict[str, Any]:
    """A paid merchant with one location, a default program, a cashier key bound to the location, and cards.

    With ``prefill`` card i starts with ``i % GOAL`` stamps (via a manual adjustment, so the ledger stays whole):
    the balances are spread evenly over 0..GOAL-1 from the first request, so about one commit in GOAL reaches a
    reward, as in steady state, instead of none for the first GOAL-1 rounds.
    """
    started = time.perf_counter()
    # One transaction: the seed is a setup step, and one fsync instead of thousands keeps it quick.
    with transaction.atomic():
        owner = merchants_services.staff_user_create(email="owner@bench.invalid", password=None)
        merchant = merchants_services.merchant_create(name="Bench Cafe", owner=owner, currency=CURRENCY)
        merchants_services.subscription_change(
            merchant=merchant, plan=Plan.PAID, interval=BillingInterval.MONTH, locations=1
        )
        # Fresh instance: merchant.subscription still caches the free plan merchant_create made, and metering reads
        # the plan from there.
        merchant = Merchant.objects.select_related("subscription").get(pk=merchant.pk)
        location = merchants_services.location_create(merchant=merchant, name="Bench counter")
        Program.objects.create(
            merchant=merchant,
            name="Coffee card",
            is_default=True,
            goal=GOAL,
            earning_rule=EarningRule.PER_RECEIPT,
            reward_title="Free coffee",
        )
        cashier = merchants_services.staff_user_create(email="cashier@bench.invalid", password=None)
        membership = merchants_services.membership_create(merchant=merchant, user=cashier, role=Role.CASHIER)
        _key, raw_key = merchants_services.api_key_create(membership=membership, name="bench POS", location=location)
        system = Actor(merchant=merchant, channel=Channel.SYSTEM)
        numbers: list[str] = []
        prefilled = 0
        for i in range(cards):
            card = cards_services.card_enrol(actor=system, name=f"Bench customer {i}")
            numbers.append(card.number)
            if prefill and i % GOAL:
                checkouts_services.card_adjust(
                    actor=system, card_ref=card.number, delta=i % GOAL, reason="bench prefill"
                )
                prefilled += i % GOAL
    return {
        "api_key": raw_key,
        "merchant_id": str(merchant.pk),
        "location_id": str(location.pk),
        "goal": GOAL,
        "currency": CURRENCY,
        "cards": numbers,
        "prefilled_stamps": prefilled,
        "seconds": round(time.perf_counter() - started, 3),
    }


def verify() -> dict[str, Any]:
    """The numbers the orchestrator checks against what the load generator saw."""
    ledger = Coalesce(Sum("events__delta"), Value(0))
    return {
        "goal": GOAL,
        "checks": Check.objects.count(),
        "stamps_issued": Check.objects.aggregate(s=Coalesce(Sum("stamps_issued"), Value(0)))["s"],
        "card_stamps": Card.objects.aggregate(s=Coalesce(Sum("stamps"), Value(0)))["s"],
        "rewards": Reward.objects.count(),
        "rewards_earned": Card.objects.aggregate(s=Coalesce(Sum("rewards_earned"), Value(0)))["s"],
        "prefilled_stamps": CardEvent.objects.filter(kind=EventKind.ADJUSTMENT).aggregate(
            s=Coalesce(Sum("delta"), Value(0))
        )["s"],
        "prefill_operations": CardEvent.objects.filter(kind=EventKind.ADJUSTMENT, delta__gt=0).count(),
        "stamp_events": CardEvent.objects.filter(kind=EventKind.STAMP).count(),
        # Cards whose cached balance differs from the sum of their ledger lines: must be none.
        "ledger_mismatches": Card.objects.annotate(ledger=ledger).exclude(stamps=F("ledger")).count(),
        "usage_operations": UsageCounter.objects.aggregate(s=Coalesce(Sum("operations"), Value(0)))["s"],
        "idempotency_records": IdempotencyRecord.objects.count(),
    }


def _commit(client: Client, number: str, tag: str) -> int:
    body = {"card": number, "check": {"external_id": tag, "total": CHECK_TOTAL, "currency": CURRENCY}}
    response = client.post(
        "/api/v1/checkouts", data=body, content_type="application/json", headers={"Idempotency-Key": tag}
    )
    if response.status_code != 200:
        raise SystemExit(f"commit of {tag} answered {response.status_code}: {response.content[:300]!r}")
    return response.status_code


def queries(*, raw_key: str, timing: int) -> dict[str, Any]:
    """SQL statements of one commit request through the whole Django stack (middleware, auth, idempotency, view).

    Measured in-process with the test client, so there is no network or server in the numbers; ``timing``
    sequential commits give the single-request service time (wall and this process's CPU).
    """
    setup_test_environment()  # lets the test client's "testserver" host through ALLOWED_HOSTS
    client = Client(headers={"Authorization": f"Bearer {raw_key}"})
    merchant = Merchant.objects.get()
    system = Actor(merchant=merchant, channel=Channel.SYSTEM)
    run = f"q{int(time.time())}"
    # A fresh card each: an empty one for the plain path, one at GOAL-1 stamps for the path that issues a reward.
    plain = cards_services.card_enrol(actor=system, name="Query count plain")
    rewarded = cards_services.card_enrol(actor=system, name="Query count reward")
    checkouts_services.card_adjust(actor=system, card_ref=rewarded.number, delta=GOAL - 1, reason="bench query count")
    _commit(client, plain.number, f"{run}-cold")  # first request of the process: fills caches, not counted
    # captured_queries reads the connection's log lazily and every request resets that log: copy it right away.
    with CaptureQueriesContext(connection) as ctx:
        _commit(client, plain.number, f"{run}-plain")
    plain_sql = [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        _commit(client, rewarded.number, f"{run}-reward")
    reward_sql = [q["sql"] for q in ctx.captured_queries]
    wall: list[float] = []
    cpu_started = time.process_time()
    for i in range(timing):
        started = time.perf_counter()
        _commit(client, plain.number, f"{run}-t{i}")
        wall.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / timing if timing else 0.0
    return {
        "plain": {"count": len(plain_sql), "sql": plain_sql},
        "reward": {"count": len(reward_sql), "sql": reward_sql},
        "sequential": {
            "requests": timing,
            "wall_ms_mean": round(statistics.fmean(wall), 3) if wall else None,
            "wall_ms_p50": round(statistics.median(wall), 3) if wall else None,
            "python_cpu_ms_mean": round(cpu_ms, 3),
        },
    }


PROFILED = {
    "commit": lambda client, number, tag: _commit(client, number, tag),
    "preview": lambda client, number, tag: _request(
        client, "post", "/api/v1/checkouts/preview", _checkout_body(number, tag)
    ),
    "card": lambda client, number, tag: _request(client, "get", f"/api/v1/cards/{number}"),
}


def _checkout_body(number: str, tag: str) -> dict[str, Any]:
    return {"card": number, "check": {"external_id": tag, "total": CHECK_TOTAL, "currency": CURRENCY}}


def _request(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> int:
    if body is None:
        response = getattr(client, method)(path)
    else:
        response = getattr(client, method)(path, data=body, content_type="application/json")
    if response.status_code != 200:
        raise SystemExit(f"{method} {path} answered {response.status_code}: {response.content[:300]!r}")
    return response.status_code


def profile(*, raw_key: str, what: str, requests: int, top: int, out: str) -> dict[str, Any]:
    """cProfile ``requests`` sequential requests of one kind (commit, preview, card) through the whole Django stack,
    on the seeded cards in turn; the CPU per request and the top of the profile (by own time and by cumulative time)
    go to ``out`` as text. The in-process client has no socket or WSGI server: gunicorn adds its own share."""
    setup_test_environment()
    client = Client(headers={"Authorization": f"Bearer {raw_key}"})
    numbers = list(Card.objects.filter(merged_into__isnull=True).order_by("pk").values_list("number", flat=True))
    call = PROFILED[what]
    run = f"p{int(time.time())}"
    for i in range(20):  # warm caches (API key, program rules, compiled SQL) like a long-running worker
        call(client, numbers[i % len(numbers)], f"{run}-w{i}")
    cpu_started = time.process_time()
    for i in range(requests):
        call(client, numbers[i % len(numbers)], f"{run}-u{i}")
    cpu_us = (time.process_time() - cpu_started) * 1e6 / requests
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
    profiler.enable()
    for i in range(requests):
        call(client, numbers[i % len(numbers)], f"{run}-{i}")
    profiler.disable()
    text = io.StringIO()
    text.write(f"{what}: {requests} requests, {cpu_us:.0f} us of CPU per request unprofiled\n")
    for order in ("tottime", "cumulative"):
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats(order).print_stats(top)
    with open(out, "w") as fh:
        fh.write(text.getvalue())
    return {"what": what, "requests": requests, "cpu_us_per_request": round(cpu_us), "profile": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.appctl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_seed = sub.add_parser("seed", help="create the merchant, key and cards")
    p_seed.add_argument("--cards", type=int, default=1000)
    p_seed.add_argument("--no-prefill", dest="prefill", action="store_false")
    sub.add_parser("verify", help="totals for the correctness check")
    p_queries = sub.add_parser("queries", help="SQL statements and service time of one commit request")
    p_queries.add_argument("--seed-file", required=True, help="the JSON printed by `seed` (for the API key)")
    p_queries.add_argument("--timing", type=int, default=200, help="sequential commits to time")
    p_profile = sub.add_parser("profile", help="cProfile sequential requests of one kind")
    p_profile.add_argument("--seed-file", required=True)
    p_profile.add_argument("--what", choices=sorted(PROFILED), default="commit")
    p_profile.add_argument("--requests", type=int, default=500)
    p_profile.add_argument("--top", type=int, default=40)
    p_profile.add_argument("--out", default="var/bench/profile.txt")
    args = parser.parse_args(argv)
    if args.command == "profile":
        with open(args.seed_file) as fh:
            raw_key = json.load(fh)["api_key"]
        result = profile(raw_key=raw_key, what=args.what, requests=args.requests, top=args.top, out=args.out)
    elif args.command == "seed":
        result = seed(cards=args.cards, prefill=args.prefill)
    elif args.command == "verify":
        result = verify()
    else:
        with open(args.seed_file) as fh:
            raw_key = json.load(fh)["api_key"]
        result = queries(raw_key=raw_key, timing=args.timing)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
