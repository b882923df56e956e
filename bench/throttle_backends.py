"""Rate limits counted in the database against Redis (``stampcard.core.throttle``), in one run.

    .venv/bin/python -m bench.throttle_backends [--calls 3000] [--lookups 300]

Creates ``stampcard_bench_throttle`` (dropping an old one), migrates and seeds it (``bench.appctl seed``: a merchant,
a cashier key, ten cards), then measures in a subprocess, for each backend (no ``REDIS_URL``, then Redis db 7,
flushed first):

- statements on the primary per card lookup through the API (``GET /api/v1/cards/lookup?q=<number>``, found: the
  miss guard takes a slot of each of its limits and gives them back), and how many of them write;
- ``--calls`` sequential ``throttle_take`` + ``throttle_give_back`` of three limits (the lookup's per key, device
  and address): CPU of this process, CPU of the server that counts (this connection's PostgreSQL backend, or the
  Redis server, read from /proc: both run on this machine), and wall time, per call.

Ratios are Redis over database in the same run; absolute figures depend on the machine and its load.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB = "stampcard_bench_throttle"
REDIS = "redis://127.0.0.1:6379/7"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(*, calls: int, lookups: int, seed: dict[str, Any]) -> dict[str, Any]:
    """Run inside Django (DATABASE_URL set): both backends, one after the other."""
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from stampcard.core.throttle import Limit, throttle_give_back, throttle_take

    setup_test_environment()  # the test client, and ALLOWED_HOSTS for it
    limits = [Limit("bench:key:1", 10_000_000, 600), Limit("bench:device:1", 10_000_000, 600)]
    limits.append(Limit("bench:ip:1", 10_000_000, 600))
    client = Client(headers={"Authorization": f"Bearer {seed['api_key']}"})
    number = seed["cards"][0]
    results: dict[str, Any] = {}
    for backend, url in (("database", ""), ("redis", REDIS)):
        settings.REDIS_URL = url
        server = redis.Redis.from_url(REDIS)
        server.flushdb()
        redis_pid = int(server.info("server")["process_id"])
        for _ in range(50):  # warm: connections, prepared statements, the script loaded
            throttle_give_back(taken=throttle_take(limits=limits))
            client.get("/api/v1/cards/lookup", {"q": number})
        with CaptureQueriesContext(connection) as captured:
            for _ in range(lookups):
                assert client.get("/api/v1/cards/lookup", {"q": number}).status_code == 200
        statements = [q["sql"].lstrip().split()[0].upper() for q in captured.captured_queries]
        writes = sum(verb in ("UPDATE", "INSERT", "DELETE") for verb in statements)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pg_pid,) = cursor.fetchone()
        counter_pid = pg_pid if backend == "database" else redis_pid
        server_before, app_before, wall_before = _cpu_seconds(counter_pid), time.process_time(), time.perf_counter()
        for _ in range(calls):
            throttle_give_back(taken=throttle_take(limits=limits))
        app = time.process_time() - app_before
        wall = time.perf_counter() - wall_before
        server_cpu = _cpu_seconds(counter_pid) - server_before
        results[backend] = {
            "lookup_statements": round(len(statements) / lookups, 2),
            "lookup_writes": round(writes / lookups, 2),
            "take_give_back_app_cpu_us": round(app / calls * 1e6, 1),
            "take_give_back_server_cpu_us": round(server_cpu / calls * 1e6, 1),
            "take_give_back_wall_us": round(wall / calls * 1e6, 1),
        }
    db, rd = results["database"], results["redis"]
    results["redis_over_database"] = {
        key: round(rd[key] / db[key], 3) if db[key] else None for key in db if key.startswith("take_give_back")
    }
    results["calls"], results["lookups"] = calls, lookups
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throttle_backends", description=__doc__)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the seed file: run the measuring side
    args = parser.parse_args(argv)
    if args.measure:
        seed = json.loads(Path(args.measure).read_text())
        print(json.dumps(measure(calls=args.calls, lookups=args.lookups, seed=seed)))  # noqa: T201
        return 0

    base = args.pg_url.rstrip("/")
    admin = [ "psql", f"{base}/postgres", "-q", "-c"]  # fmt: skip
    subprocess.run([*admin, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)
    subprocess.run([*admin, f"CREATE DATABASE {DB}"], check=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"{base}/{DB}"}
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run(
        [python, "-m", "bench.appctl", "seed", "--cards", "10", "--no-prefill"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    seed_file = ROOT / "var" / "bench" / "throttle_seed.json"
    seed_file.parent.mkdir(parents=True, exist_ok=True)
    seed_file.write_text(seeded.stdout)
    measured = subprocess.run(
        [python, "-m", "bench.throttle_backends", "--measure", str(seed_file), "--calls", str(args.calls),
         "--lookups", str(args.lookups)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    print(json.dumps(json.loads(measured.stdout.strip().splitlines()[-1]), indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
