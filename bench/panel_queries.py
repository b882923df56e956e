"""The merchant panel's main queries at 1 million cards / 20 million ledger lines, beside the demo data, in one run.

    make bigdata                                     # once: the big database (bench/bigdata.py), ~45-60 min on 2 cores
    .venv/bin/python -m bench.panel_queries          # the report (also run by `make bench`)
    .venv/bin/python -m bench.panel_queries --repeat 15 --only customers
    .venv/bin/python -m bench.panel_queries --only stamp:,analytics   # identify, commit, analytics (docs/scaling.md)

Every query in ``QUERIES`` runs against two databases in the same run: ``stampcard_bigdata`` (its biggest
merchant) and ``stampcard_bench_demo`` (dropped, migrated and seeded with the demo merchant of ``make run``). Each side
runs in its own subprocess (``--measure``, JSON on stdout) since the app reads the default database. The report
gives per query the median milliseconds on each side, the ratio big/demo (what growing to 1M cards costs: the
demo's time is the baseline, so the ratio stays comparable across machines), the SQL statements it ran, and the
plan of any statement that read a big table without an index (a ``Seq Scan`` over more than ``SEQ_SCAN_ROWS``
rows). Without the big database, it says how to make it and exits 2. The report is also written to
``var/bench/panel_queries.json``.

A query is a callable taking the ``Ctx`` (merchant, a location, a staff login, a customer, a searched name, ...);
adding one is one line, e.g. for an analytics selector:

    register("analytics: month", lambda ctx: analytics_summary(merchant=ctx.merchant, period=...))
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "bench"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BIG_DB = "stampcard_bigdata"
DEMO_DB = "stampcard_bench_demo"
SEQ_SCAN_ROWS = 10_000
# A scan that stops at its first row (``EXISTS``, ``LIMIT 1``) reads nothing to speak of: plans faster than this pass.
SEQ_SCAN_MIN_MS = 1.0


@dataclass
class Ctx:
    """What the queries are asked about, picked from the database before timing (the same way on both sides)."""

    merchant: Any
    location: Any  # the busiest location
    location_small: Any  # the quietest: "stamped there" matches few cards
    staff: Any
    customer_id: Any
    name_word: str  # a common word of the customers' names
    name_rare: str  # a word no name contains: the search must look at every name to say so
    email: str
    phone_tail: str
    deep_cursor: str | None  # the directory's keyset half-way down the list
    journal_cursor: str | None  # the journal half-way down
    client: Any = None  # a Django test client signed in as the merchant's owner


QUERIES: dict[str, Callable[[Ctx], Any]] = {}


def register(name: str, fn: Callable[[Ctx], Any] | None = None) -> Any:
    """Add a query to the bench: ``register(name, fn)``, or ``@register(name)`` over a function of ``ctx``."""
    if fn is not None:
        QUERIES[name] = fn
        return fn

    def decorate(f: Callable[[Ctx], Any]) -> Callable[[Ctx], Any]:
        QUERIES[name] = f
        return f

    return decorate


def _directory(ctx: Ctx, cursor: str | None = None, **filters: Any) -> Any:
    from stampcard.cards import directory

    return directory.directory_page(
        merchant=ctx.merchant, filters=directory.DirectoryFilters(**filters), cursor=cursor
    ).cards


def _journal(ctx: Ctx, cursor: str | None = None, **filters: Any) -> Any:
    from stampcard.cards import journal

    return journal.journal_page(merchant=ctx.merchant, filters=journal.JournalFilters(**filters), cursor=cursor).events


def _customer_page(ctx: Ctx) -> Any:
    from stampcard.cards import directory
    from stampcard.rewards import selectors as rewards_selectors
    from stampcard.vouchers import selectors as vouchers_selectors
    from stampcard.wallet import selectors as wallet_selectors

    cards = directory.customer_cards(merchant=ctx.merchant, customer_id=ctx.customer_id)
    rewards_selectors.rewards_ready_by_card(cards=cards)
    vouchers_selectors.vouchers_active_by_card(cards=cards)
    directory.visits_by_card(cards=cards)
    wallet_selectors.cards_wallets(cards=cards)
    return directory.timeline_page(cards=cards)


def _dashboard(ctx: Ctx) -> Any:
    from stampcard.panel import dashboard

    return dashboard.today_figures(merchant=ctx.merchant), dashboard.recent_events(merchant=ctx.merchant)


def _page(path: str) -> Callable[[Ctx], Any]:
    def get(ctx: Ctx) -> Any:
        response = ctx.client.get(path.format(ctx=ctx))
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        return response

    return get


def _journal_day(ctx: Ctx) -> Any:
    from stampcard.core import clock

    today = clock.now().astimezone(ctx.merchant.tz).date()
    return _journal(ctx, day_from=today.replace(day=1), day_to=today)


register("customers: first page", lambda ctx: _directory(ctx))
register("customers: deep page (keyset, half-way)", lambda ctx: _directory(ctx, cursor=ctx.deep_cursor))
register("customers: name search, common word", lambda ctx: _directory(ctx, q=ctx.name_word))
register("customers: name search, no match", lambda ctx: _directory(ctx, q=ctx.name_rare))
register("customers: email search", lambda ctx: _directory(ctx, q=ctx.email))
register("customers: phone tail search", lambda ctx: _directory(ctx, q=ctx.phone_tail))
register("customers: filter stamped at location", lambda ctx: _directory(ctx, location_id=ctx.location.pk))
register(
    "customers: filter stamped at quietest location", lambda ctx: _directory(ctx, location_id=ctx.location_small.pk)
)
register("customers: filter wallet apple", lambda ctx: _directory(ctx, wallet="apple"))
register("customers: filter consent yes", lambda ctx: _directory(ctx, consent="yes"))
register("customer page: cards + timeline", _customer_page)
register("journal: first page", lambda ctx: _journal(ctx))
register("journal: deep page (keyset, half-way)", lambda ctx: _journal(ctx, cursor=ctx.journal_cursor))
register("journal: kind adjustment (rare)", lambda ctx: _journal(ctx, kind="adjustment"))
register("journal: kind reward handed over", lambda ctx: _journal(ctx, kind="reward_handed_over"))
register("journal: location", lambda ctx: _journal(ctx, location_id=ctx.location.pk))
register("journal: staff login", lambda ctx: _journal(ctx, actor_id=ctx.staff.pk))
register("journal: this month", _journal_day)
register("journal: customer (email)", lambda ctx: _journal(ctx, customer=ctx.email))
register("dashboard: today's figures + recent lines", _dashboard)
register("page: /panel/customers/", _page("/panel/customers/"))
register("page: /panel/customers/<id>/", _page("/panel/customers/{ctx.customer_id}/"))
register("page: /panel/journal/", _page("/panel/journal/"))
register("page: /panel/ (dashboard)", _page("/panel/"))


def _analytics(kind: str, *, days: int = 0, locations: int = 0) -> Callable[[Ctx], Any]:
    """The analytics summary of a period ending today, for the whole business or ``locations`` locations (the
    busiest first), as a manager limited to them sees it."""

    def summary(ctx: Ctx) -> Any:
        from datetime import timedelta

        from stampcard.analytics import periods, selectors
        from stampcard.core import clock

        today = clock.now().astimezone(ctx.merchant.tz).date()
        period = periods.period_resolve(
            kind=kind, today=today, day_from=today - timedelta(days=days) if days else None, day_to=today
        )
        others = ctx.merchant.locations.exclude(pk=ctx.location.pk).order_by("pk").values_list("pk", flat=True)
        seen_at = (ctx.location.pk, *others)[:locations]
        scope = selectors.Scope(locations=seen_at) if locations else None
        return selectors.analytics_summary(merchant=ctx.merchant, period=period, scope=scope)

    return summary


register("analytics: this week", _analytics("week"))
register("analytics: this month", _analytics("month"))
register("analytics: custom 30 days", _analytics("custom", days=29))
register("analytics: custom 90 days, one location", _analytics("custom", days=89, locations=1))
register("analytics: month, a manager of three locations", _analytics("month", locations=3))
register("page: /panel/analytics/ (month)", _page("/panel/analytics/?period=month"))


# --- the measuring side (a subprocess with DATABASE_URL set) -----------------------------------------------------


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _context() -> Ctx:
    from django.db.models import Count
    from django.test import Client

    from stampcard.cards import directory, journal
    from stampcard.cards.models import Card, CardEvent
    from stampcard.customers.models import Customer
    from stampcard.merchants.models import Location, Membership, Merchant, Role

    biggest = Card.objects.values("merchant_id").annotate(n=Count("id")).order_by("-n").first()
    if biggest is None:
        raise RuntimeError("no cards in this database")
    merchant = Merchant.objects.get(pk=biggest["merchant_id"])
    locations = list(Location.objects.filter(merchant=merchant).order_by("created_at"))
    actor_id = (
        CardEvent.objects.filter(merchant=merchant, actor__isnull=False).order_by("-id").values("actor_id").first()
    )
    staff = Membership.objects.get(merchant=merchant, role=Role.OWNER).user
    if actor_id:
        staff = type(staff).objects.get(pk=actor_id["actor_id"])
    customers = Customer.objects.filter(merchant=merchant)
    with_email = customers.exclude(email="").order_by("created_at").first()
    with_phone = customers.exclude(phone="").order_by("created_at").first()
    # The customer page of a regular: the card with the most lines among the newest visits.
    busy = CardEvent.objects.filter(merchant=merchant).order_by("-id")[:2000]
    card_id = (
        CardEvent.objects.filter(pk__in=busy.values("pk")).values("card_id").annotate(n=Count("id")).order_by("-n")
    ).first()
    customer_id = (
        Card.objects.get(pk=card_id["card_id"]).customer_id if card_id else customers.order_by("created_at")[0].pk
    )
    words = [w for name in customers.order_by("-created_at").values_list("name_folded", flat=True)[:50]
             for w in name.split()]  # fmt: skip
    name_word = max(set(words), key=words.count) if words else "olena"
    ordered = directory.directory_queryset(merchant=merchant, filters=directory.DirectoryFilters())
    total = Card.objects.filter(merchant=merchant).count()
    half = ordered[total // 2 : total // 2 + 1].first() if total > 1 else None
    deep_cursor = directory.cursor_encode(half) if half else None
    events = CardEvent.objects.filter(merchant=merchant).count()
    mid = journal.journal_queryset(merchant=merchant, filters=journal.JournalFilters())
    mid_event = mid.values("id")[events // 2 : events // 2 + 1].first() if events > 1 else None
    client = Client()
    client.force_login(Membership.objects.get(merchant=merchant, role=Role.OWNER).user)
    return Ctx(
        merchant=merchant,
        location=locations[0],
        location_small=locations[-1],
        staff=staff,
        customer_id=customer_id,
        name_word=name_word,
        name_rare="zqxjvw",
        email=with_email.email if with_email else "nobody@example.com",
        phone_tail=(with_phone.phone if with_phone else "+380501234567")[-6:],
        deep_cursor=deep_cursor,
        journal_cursor=str(mid_event["id"]) if mid_event else None,
        client=client,
    )


def _seq_scans(plan: dict[str, Any]) -> list[tuple[str, float]]:
    found = []
    if plan.get("Node Type") == "Seq Scan":
        found.append((plan.get("Relation Name", "?"), plan.get("Plan Rows", 0)))
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


def _unindexed(statements: list[str], sizes: dict[str, float]) -> list[dict[str, Any]]:
    """The statements that read a big table from end to end, with their plan (EXPLAIN ANALYZE, text)."""
    from django.db import connection

    out = []
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            big = [(t, rows) for t, rows in _seq_scans(plan[0]["Plan"]) if sizes.get(t, 0) > SEQ_SCAN_ROWS]
            if big:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                took = float(lines[-1].split(":")[1].split()[0]) if lines[-1].startswith("Execution Time") else 0.0
                if took >= SEQ_SCAN_MIN_MS:
                    out.append({"sql": sql[:400], "seq_scans": [t for t, _ in big], "plan": "\n".join(lines)})
    return out


def _rollups_ensure(ctx: Ctx) -> None:
    """The analytics page reads rollups the worker keeps; a freshly generated database has none yet: build them once
    (the same rebuild the worker runs first) and say how long it took, which is not part of any timing."""
    from stampcard.analytics import rollups
    from stampcard.analytics.models import DayRollup

    if DayRollup.objects.filter(merchant=ctx.merchant).exists():
        return
    started = time.perf_counter()
    rollups.rollups_rebuild_all()
    print(f"analytics rollups built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure(*, repeat: int, only: str) -> dict[str, Any]:
    """Time each query of ``QUERIES`` (whose name contains ``only``) ``repeat`` times on the default database."""
    from django.conf import settings
    from django.test import override_settings

    # Pages render without the built bundle's manifest: a static URL is a string here, not what is timed.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        return _measure(repeat=repeat, only=only)


def _selected(name: str, only: str) -> bool:
    return not only or any(part and part in name for part in only.split(","))


def _measure(*, repeat: int, only: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import stamp_queries

    stamp_queries.register_all(register)  # the cashier's identify, preview and commit

    ctx = _context()
    _rollups_ensure(ctx)
    if any(_selected(name, only) for name in QUERIES if name.startswith("stamp:")):
        stamp_queries.prepare(ctx)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        sizes = {name: rows for name, rows in cursor.fetchall()}
    results: dict[str, Any] = {}
    for name, fn in QUERIES.items():
        if not _selected(name, only):
            continue
        with CaptureQueriesContext(connection) as captured:
            fn(ctx)  # warm-up, and the statements it runs
        statements = [q["sql"] for q in captured.captured_queries]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn(ctx)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "median_ms": round(statistics.median(times), 2),
            "max_ms": round(max(times), 2),
            "queries": len(statements),
            "unindexed": _unindexed(statements, sizes),
        }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cards_card WHERE merchant_id = %s", [ctx.merchant.pk])
        cards = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cards_cardevent")
        events = cursor.fetchone()[0]
    return {"merchant": ctx.merchant.name, "cards": cards, "events_in_db": events, "queries": results}


# --- the orchestrator ----------------------------------------------------------------------------------------------


def _db_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def _run(args: list[str], *, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return done.stdout


def _demo_db(pg_url: str, env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DEMO_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DEMO_DB}"')
    _run(["manage.py", "migrate", "--verbosity", "0"], env=env)
    _run(["-m", "bench.panel_queries", "--seed-demo"], env=env)


def _big_exists(pg_url: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BIG_DB]).fetchone() is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per query and side (the median is shown)")
    parser.add_argument("--only", default="", help="only the queries whose name contains this (or one of a,b,c)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--big-db", default=os.environ.get("BIGDATA_DB", BIG_DB))
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed-demo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure or args.seed_demo:
        _setup_django()
        if args.seed_demo:
            from stampcard.demo.seed import seed_demo

            seed_demo(base_url="http://127.0.0.1:8000")
            return 0
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client's ALLOWED_HOSTS and template rendering
        print(json.dumps(measure(repeat=args.repeat, only=args.only)))
        return 0

    globals()["BIG_DB"] = args.big_db
    if not _big_exists(args.pg_url):
        print(f"no database {BIG_DB}: run `make bigdata` first (about 10 minutes)", file=sys.stderr)
        return 2
    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0"}
    demo_env = {**base_env, "DATABASE_URL": _db_url(args.pg_url, DEMO_DB)}
    # The demo seed writes its credentials file; keep it away from the developer's var/demo.json.
    demo_env["STAMPCARD_VAR_DIR"] = str(OUT_DIR / "demo-var")
    started = time.perf_counter()
    _demo_db(args.pg_url, demo_env)
    sides = {}
    for side, env in (("demo", demo_env), ("big", {**base_env, "DATABASE_URL": _db_url(args.pg_url, BIG_DB)})):
        out = _run(["-m", "bench.panel_queries", "--measure", "--repeat", str(args.repeat), "--only", args.only],
                   env=env)  # fmt: skip
        sides[side] = json.loads(out.strip().splitlines()[-1])
    report = _report(sides)
    print(report)
    print(f"({time.perf_counter() - started:.0f} s)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "panel_queries.json").write_text(json.dumps(sides, indent=2) + "\n")
    return 0


def _report(sides: dict[str, Any]) -> str:
    big, demo = sides["big"], sides["demo"]
    lines = [
        f"big:  {big['merchant']}: {big['cards']:,} cards, {big['events_in_db']:,} ledger lines in the database",
        f"demo: {demo['merchant']}: {demo['cards']:,} cards, {demo['events_in_db']:,} ledger lines",
        "",
        f"{'query':48} {'demo ms':>8} {'big ms':>8} {'big/demo':>9} {'SQL':>4}  unindexed",
    ]
    plans: list[tuple[str, dict[str, Any]]] = []
    for name, b in big["queries"].items():
        d = demo["queries"].get(name, {})
        ratio = b["median_ms"] / d["median_ms"] if d.get("median_ms") else float("nan")
        seq = ", ".join(sorted({t for u in b["unindexed"] for t in u["seq_scans"]}))
        lines.append(
            f"{name:48} {d.get('median_ms', float('nan')):8.2f} {b['median_ms']:8.2f} {ratio:8.1f}x "
            f"{b['queries']:>4}  {seq or '-'}"
        )
        plans.extend((name, u) for u in b["unindexed"])
    for name, u in plans:
        lines += ["", f"--- {name}: reads {', '.join(u['seq_scans'])} without an index", u["sql"], u["plan"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
