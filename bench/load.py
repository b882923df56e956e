"""A realistic mix of the hot endpoints at rising concurrency until saturation, against the production-like stack.

    .venv/bin/python -m bench.load                              # = make load: 1,2,4,...,64 clients, 15 s each
    .venv/bin/python -m bench.load --clients 2,4 --seconds 3    # a short run

One run: fresh databases (``--app-db`` / ``--pgbench-db`` on ``BENCH_PG_URL``), migrated and seeded by
``bench.mixctl``; pgbench's TPC-B on the same server as the baseline; then gunicorn (``config.wsgi``, DEBUG off), the
task worker (``manage.py worker``) and the APNs and Google Wallet stand-ins run while ``bench.mixgen`` drives the mix
(``mixgen.SCHEDULE``) at each client count. Per step: requests/s and p50/p95/p99 per endpoint, and where the CPU went
(gunicorn + worker = app, PostgreSQL, load generator, stand-ins). The saturation point is the first step within
``RISE`` of the best throughput, or the step before p99 passes ``P99_BLOWUP`` x the first step's if that comes first;
the run stops ``--past-saturation`` steps after it. Afterwards the database is checked against what the clients
saw. The server, PostgreSQL and pgbench helpers are ``bench.stamp_throughput``'s.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import procstat
from bench.pgactivity import backend_cpu, backend_cpu_between
from bench.stamp_throughput import (
    DEFAULT_PG_URL,
    OUT_DIR,
    ROOT,
    BenchError,
    Gunicorn,
    PgServer,
    ServerConfig,
    _cpu_breakdown,
    _flags,
    _int_list,
    _run,
    app_env,
    await_quiet,
    pgbench_init,
    pgbench_run,
)

RISE = 1.10  # a step that adds less than 10% throughput over the best before it has saturated
P99_BLOWUP = 4.0  # ... or whose p99 is more than this many times the first step's
APP_GROUPS = ("gunicorn", "worker")
GOOGLE_ISSUER = "3388000000077777777"


# --- the stand-ins the app talks to (Google Wallet for the save link, APNs for the worker's pushes) ----------------


def _stand_ins(conn: Any, env: dict[str, str]) -> None:
    """Child process: start both stand-ins, send the environment that points the app at them, wait for "stop"."""
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    from stampcard.sandbox import apns
    from stampcard.sandbox.google_wallet import GoogleWalletStandIn, service_account_ensure

    account = str(service_account_ensure(Path(settings.VAR_DIR) / "google_wallet" / "bench_service_account.json"))
    apns_stand_in = apns.for_settings(port=0).start()
    google = GoogleWalletStandIn(service_account_file=account, issuer_id=GOOGLE_ISSUER).start()
    pointing = {name: str(value) for name, value in google.settings().items()}
    pointing.update(GOOGLE_SERVICE_ACCOUNT_FILE=account, APNS_URL=apns_stand_in.url, APNS_CA_FILE=apns_stand_in.ca_file)
    conn.send(pointing)
    conn.recv()
    apns_stand_in.stop()
    google.stop()


class StandIns:
    """The stand-ins in a child process of their own (their CPU is reported apart from the app's)."""

    def __init__(self, database_url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.parent, child = context.Pipe()
        self.process = context.Process(target=_stand_ins, args=(child, app_env(database_url)), daemon=True)
        self.process.start()
        self.env: dict[str, str] = self.parent.recv()

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    def stop(self) -> None:
        if self.process.is_alive():
            self.parent.send("stop")
            self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()


class Worker:
    """The task worker (``manage.py worker``), as production runs it beside gunicorn; stopped by its pid."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "worker"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# --- one step ------------------------------------------------------------------------------------------------------


def step(
    *, gunicorn: Gunicorn, trees: dict[str, int], seed_file: Path, clients: int, warmup: float, seconds: float,
    run_id: str, vouchers_from: int, vouchers: int, pg_url: str, app_db: str,
) -> dict[str, Any]:  # fmt: skip
    options = _flags(
        port=gunicorn.port, seed_file=seed_file, run_id=run_id, clients=clients, warmup=warmup, seconds=seconds,
        vouchers_from=vouchers_from, vouchers=vouchers,
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.mixgen", *options], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    trees = {**trees, "loadgen": proc.pid}
    before = after = procstat.Snapshot()
    backends_before: dict[int, float] = {}
    backends_after: dict[int, float] = {}
    lines: list[str] = []
    for line in proc.stdout:
        if line.startswith("WARM_DONE"):
            before, backends_before = procstat.snapshot(trees), backend_cpu(pg_url, app_db)
        elif line.startswith("MEASURE_DONE"):
            after, backends_after = procstat.snapshot(trees), backend_cpu(pg_url, app_db)
        else:
            lines.append(line)
    if proc.wait() != 0 or not lines:
        raise BenchError(f"the load generator failed (exit {proc.returncode})")
    out: dict[str, Any] = json.loads(lines[-1])
    usage = procstat.between(before, after)
    # "postgres" is every PostgreSQL process on the machine; "database" only the backends of the bench's database
    # (the server may be shared with other work), which is the database side of the app:db split.
    cpu_seconds, per_request = _cpu_breakdown(usage, out["requests"], {})
    database = round(backend_cpu_between(backends_before, backends_after), 3)
    cpu_seconds["database"] = database
    if out["requests"]:
        per_request["database"] = round(database / out["requests"] * 1e6, 1)
    app = sum(cpu_seconds.get(name, 0.0) for name in APP_GROUPS)
    out.update(
        cpu_seconds=cpu_seconds,
        cpu_us_per_request=per_request,
        app_cpu_share=round(app / (app + database), 3) if app + database else None,
        machine_busy_share=round(usage.machine_busy_share, 3) if usage.available else None,
        vouchers_used=vouchers - out["vouchers_left"],
    )
    return out


def saturation(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The saturation point: the first step within RISE of the best throughput (the knee: later steps add less than
    RISE), or the step before p99 passes P99_BLOWUP x the first step's if that comes earlier. Taking the knee of the
    best step, not the first step that failed to rise, keeps one window disturbed by a busy neighbour from ending
    the search early."""
    if not steps:
        return {}
    peak = max(step["rps"] for step in steps)
    knee = next(i for i, step in enumerate(steps) if step["rps"] * RISE >= peak)
    first_p99 = steps[0]["latency_us"]["p99"] or 1
    blowup = next((i for i, step in enumerate(steps) if step["latency_us"]["p99"] > P99_BLOWUP * first_p99), None)
    if blowup is not None and blowup <= knee:
        at, why = max(0, blowup - 1), f"p99 passed {P99_BLOWUP:.0f} x the first step's"
    else:
        at, why = knee, "throughput stopped rising"
    reached = at < len(steps) - 1
    found = {"clients": steps[at]["clients"], "rps": round(steps[at]["rps"], 1), "index": at, "reached": reached}
    found["p99_blowup_clients"] = steps[blowup]["clients"] if blowup is not None else None
    if reached:
        found.update(next_clients=steps[at + 1]["clients"], why=why)
    else:
        found["why"] = "not reached"
    return found


# --- correctness ----------------------------------------------------------------------------------------------------


def correctness(totals: dict[str, Any], steps: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    def ok(name: str) -> int:
        return sum(s["endpoints"][name]["ok_total"] for s in steps)

    unexpected = {
        name: sum(s["endpoints"][name]["unexpected_total"] for s in steps) for name in steps[0]["endpoints"]
    } if steps else {}  # fmt: skip
    bad = {name: n for name, n in unexpected.items() if n}
    transport = sum(s["transport_errors"] + len(s["crashed_clients"]) for s in steps)
    commits, collects = ok("commit"), ok("receipt_collect")
    goal = totals["goal"]
    stamps_left = totals["card_stamps"] + goal * (totals["rewards"] - totals["rewards_withdrawn"])
    stamps_in = totals["prefilled_stamps"] + totals["stamps_issued"] - totals["reversed_stamps"]
    writes = commits + ok("reverse") + ok("receipt_claim") + ok("voucher_redeem")
    return [
        (f"unexpected answers {bad or 0}, transport errors {transport}", not bad and transport == 0),
        (
            f"checks {totals['checks']} == commits {commits} + receipt collects {collects}",
            totals["checks"] == commits + collects,
        ),
        (
            f"stamp ledger lines {totals['stamp_events']} == checks; stamps issued {totals['stamps_issued']} == checks",
            totals["stamp_events"] == totals["checks"] == totals["stamps_issued"],
        ),
        (
            f"cards off their ledger (balance != sum of ledger lines): {totals['ledger_mismatches']}",
            totals["ledger_mismatches"] == 0,
        ),
        (
            f"cards' rewards_earned {totals['rewards_earned']} == reward rows {totals['rewards']} - withdrawn by a "
            f"reversal {totals['rewards_withdrawn']}",
            totals["rewards_earned"] == totals["rewards"] - totals["rewards_withdrawn"],
        ),
        (
            f"card stamps {totals['card_stamps']} + {goal} x kept rewards = {stamps_left} == prefilled "
            f"{totals['prefilled_stamps']} + issued {totals['stamps_issued']} - reversed {totals['reversed_stamps']}"
            f" = {stamps_in}",
            stamps_left == stamps_in,
        ),
        (
            f"reversal lines {totals['reversal_events']} == reversals {ok('reverse')}",
            totals["reversal_events"] == ok("reverse"),
        ),
        (
            f"receipt claims {totals['receipts']} == created {ok('receipt_claim')}; "
            f"collected {totals['receipts_claimed']} == {collects}",
            totals["receipts"] == ok("receipt_claim") and totals["receipts_claimed"] == collects,
        ),
        (
            f"vouchers redeemed {totals['vouchers_redeemed']} == redeem answers {ok('voucher_redeem')}",
            totals["vouchers_redeemed"] == ok("voucher_redeem"),
        ),
        (
            f"idempotency records {totals['idempotency_records']} == idempotent writes {writes}",
            totals["idempotency_records"] == writes,
        ),
    ]


# --- report --------------------------------------------------------------------------------------------------------


def format_report(report: dict[str, Any]) -> str:
    pg, base = report["postgres"], report["pgbench"]
    lines = [
        "load: a realistic mix through gunicorn + worker + PostgreSQL, rising concurrency",
        f"  machine        {os.cpu_count()} CPUs, load average at start {report['loadavg_start']}, at end "
        f"{report['loadavg_end']}; PostgreSQL {pg.get('server_version', '?').split()[0]}, "
        f"synchronous_commit={pg.get('synchronous_commit')}; gunicorn {report['config']['server']}",
        f"  pgbench        -c {base['clients']} -j {base['threads']} -T {base['seconds']}: {base['tps']:.1f} tps "
        f"(machine {base['machine_busy_share']:.0%} busy)",
        "",
        f"  {'clients':>7} {'req/s':>7} {'x pgb':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  "
        f"{'CPU us/req: app':>15} {'db':>5} {'pg all':>6} {'lg':>5} {'other':>5}  {'app:db':>6} {'busy':>5}",
    ]
    for s in report["steps"]:
        lat, cpu = s["latency_us"], s["cpu_us_per_request"]
        app = sum(cpu.get(name, 0.0) for name in APP_GROUPS)
        share = s["app_cpu_share"]
        ratio = f"{share / (1 - share):.1f}" if share not in (None, 1) else "-"
        lines.append(
            f"  {s['clients']:>7} {s['rps']:>7.1f} {s['rps'] / base['tps']:>6.3f} {lat['p50'] / 1000:>7.1f} "
            f"{lat['p95'] / 1000:>7.1f} {lat['p99'] / 1000:>7.1f}  {app:>15.0f} {cpu.get('database', 0):>5.0f} "
            f"{cpu.get('postgres', 0):>6.0f} "
            f"{cpu.get('loadgen', 0):>5.0f} {cpu.get('other', 0):>5.0f}  {ratio:>6} "
            f"{s['machine_busy_share'] or 0:>5.0%}"
        )
    lines += ["", "  per endpoint: req/s and p50/p95/p99 ms at each client count"]
    names = list(report["steps"][0]["endpoints"]) if report["steps"] else []
    lines.append(f"  {'endpoint':<17}" + "".join(f"{s['clients']:>22}" for s in report["steps"]))
    for name in names:
        cells = []
        for s in report["steps"]:
            e = s["endpoints"][name]
            lat = e["latency_us"]
            cells.append(
                f"{e['rps']:>6.1f} {lat['p50'] / 1000:>4.0f}/{lat['p95'] / 1000:>4.0f}/{lat['p99'] / 1000:>4.0f}"
            )
        lines.append(f"  {name:<17}" + "".join(f"{cell:>22}" for cell in cells))
    sat = report["saturation"]
    if sat.get("reached"):
        lines.append(
            f"\n  saturation     at {sat['clients']} clients, {sat['rps']} req/s "
            f"({sat['why']} at {sat['next_clients']}; p99 passed {P99_BLOWUP:.0f} x the first step's at "
            f"{sat['p99_blowup_clients'] or 'no step'})"
        )
    else:
        lines.append(f"\n  saturation     not reached; best {sat.get('rps')} req/s at {sat.get('clients')} clients")
    lines.append("  correctness")
    lines += [f"    {'ok  ' if passed else 'FAIL'} {text}" for text, passed in report["correctness"]["checks"]]
    lines.append(f"  report written to {report['json_path']}")
    return "\n".join(lines)


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def run(args: argparse.Namespace) -> dict[str, Any]:
    server = PgServer(os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    try:
        pg_settings = server.settings()
    except psycopg.Error as exc:
        raise BenchError(f"cannot reach PostgreSQL at {server.url} (set BENCH_PG_URL): {exc}") from exc
    args.json.parent.mkdir(parents=True, exist_ok=True)  # the seed (with the API key) and the logs go beside it
    app_url = server.db_url(args.app_db)
    config = ServerConfig(
        workers=args.workers, threads=args.threads, worker_class="gthread" if args.threads > 1 else "sync"
    )
    loadavg_start = _loadavg()
    started: list[Any] = []  # what to stop, last started first
    try:
        server.recreate(args.app_db)
        server.recreate(args.pgbench_db)
        _run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], env=app_env(app_url))
        seeding = [sys.executable, "-m", "bench.mixctl", "seed", *_flags(cards=args.cards, vouchers=args.vouchers)]
        seed_out = _run(seeding, env=app_env(app_url))
        seed_file = args.json.parent / f"{args.app_db}-seed.json"
        seed_file.write_text(seed_out.strip().splitlines()[-1])
        pgbench_init(server, args.pgbench_db, args.pgbench_scale)
        await_quiet(args.quiet_wait)
        baseline = pgbench_run(server, args.pgbench_db, args.pgbench_clients, args.pgbench_seconds)
        print(f"pgbench -c {args.pgbench_clients}: {baseline.tps:.1f} tps", flush=True)

        stand_ins = StandIns(app_url)
        started.append(stand_ins)
        env = app_env(app_url, **stand_ins.env)
        worker = Worker(env, args.json.parent / f"{args.app_db}-worker.log")
        started.append(worker)
        gunicorn = Gunicorn(config, app_url, args.json.parent / f"{args.app_db}-gunicorn.log", env=stand_ins.env)
        started.append(gunicorn)
        gunicorn.wait_healthy()
        trees = {"gunicorn": gunicorn.pid, "worker": worker.pid, "stand-ins": stand_ins.pid}
        steps: list[dict[str, Any]] = []
        vouchers_from = 0
        run_id = os.urandom(3).hex()
        per_step = args.vouchers // len(args.clients)
        for clients in args.clients:
            await_quiet(args.quiet_wait)
            server.execute("CHECKPOINT")
            result = step(
                gunicorn=gunicorn, trees=trees, seed_file=seed_file, clients=clients, warmup=args.warmup,
                seconds=args.seconds, run_id=f"{run_id}-{clients}", vouchers_from=vouchers_from, vouchers=per_step,
                pg_url=server.url, app_db=args.app_db,
            )  # fmt: skip
            vouchers_from += per_step
            steps.append(result)
            print(
                f"{clients} clients: {result['rps']:.1f} req/s, p99 {result['latency_us']['p99'] / 1000:.1f} ms, "
                f"app share of app+db CPU {result['app_cpu_share']}",
                flush=True,
            )
            found = saturation(steps)
            if found["reached"] and len(steps) - 1 - found["index"] >= args.past_saturation:
                break
        for item in reversed(started):
            item.stop()
        started.clear()
        totals = json.loads(
            _run([sys.executable, "-m", "bench.mixctl", "verify"], env=app_env(app_url)).splitlines()[-1]
        )
        checks = correctness(totals, steps)
        report: dict[str, Any] = {
            "benchmark": "load",
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "json_path": str(args.json),
            "loadavg_start": loadavg_start,
            "loadavg_end": _loadavg(),
            "postgres": pg_settings,
            "config": {"server": config.label, "clients": args.clients, "seconds": args.seconds, "cards": args.cards},
            "pgbench": {k: v for k, v in baseline.__dict__.items()},
            "steps": steps,
            "saturation": saturation(steps),
            "correctness": {
                "passed": all(passed for _, passed in checks),
                "checks": checks,
                "totals": totals,
            },
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        return report
    finally:
        for item in reversed(started):
            item.stop()
        if not args.keep:
            for name in (args.app_db, args.pgbench_db):
                try:
                    server.drop(name)
                except psycopg.Error as exc:
                    print(f"could not drop database {name}: {exc}", file=sys.stderr)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--clients", type=_int_list, default=[1, 2, 4, 8, 16, 32, 64], help="the concurrency steps, rising")
    add("--past-saturation", type=int, default=2, help="steps to run after the saturation point (default 2)")
    add("--seconds", type=float, default=15.0)
    add("--warmup", type=float, default=3.0)
    add("--workers", type=int, default=3)
    add("--threads", type=int, default=1)
    add("--cards", type=int, default=1000)
    add("--vouchers", type=int, default=6000, help="bearer vouchers to seed, shared out between the steps")
    add("--pgbench-scale", type=int, default=10)
    add("--pgbench-clients", type=int, default=8)
    add("--pgbench-seconds", type=int, default=10)
    add("--quiet-wait", type=float, default=30.0, help="wait up to this long for the machine to calm down per step")
    add("--app-db", default="stampcard_load", help="dropped and made again (default stampcard_load)")
    add("--pgbench-db", default="stampcard_load_pgbench")
    add("--keep", action="store_true", help="keep both databases afterwards")
    add("--json", type=Path, default=OUT_DIR / "load.json")
    args = parser.parse_args(argv)
    if max(args.clients) > args.cards:
        parser.error("--cards must be at least the largest client count")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report = run(args)
    except BenchError as exc:
        print(f"load failed: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    return 0 if report["correctness"]["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
