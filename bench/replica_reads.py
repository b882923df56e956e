"""Which database each request reads when a replica is configured: statements per alias, counted by Django.

    .venv/bin/python -m bench.throttle_backends      # once: creates and seeds stampcard_bench_throttle
    .venv/bin/python -m bench.replica_reads

Runs against ``stampcard_bench_throttle`` with ``DATABASE_REPLICA_URL`` naming the same database (no streaming
replica on a development machine: what is measured is where the statements go, not replication). For each request
of the analytics and export side, and of the till's side, the statements sent to ``default`` (the primary) and to
``replica``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/") + "/stampcard_bench_throttle"
SEED = ROOT / "var" / "bench" / "throttle_seed.json"
JSON = "application/json"


def measure() -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    seed = json.loads(SEED.read_text())
    number = seed["cards"][1]
    cashier = Client(headers={"Authorization": f"Bearer {seed['api_key']}"})
    manager = Client(headers={"Authorization": f"Bearer {_manager_key(seed)}"})
    api = "/api/v1"
    requests = {
        "analytics summary (month)": lambda: manager.get(f"{api}/analytics/summary", {"period": "month"}),
        "analytics CSV table": lambda: manager.get(f"{api}/analytics/csv", {"table": "days", "period": "month"}),
        "customers export (10 cards)": lambda: b"".join(manager.get(f"{api}/customers/export.csv").streaming_content),
        "journal export": lambda: b"".join(manager.get(f"{api}/journal/export.csv").streaming_content),
        "till: card lookup": lambda: cashier.get(f"{api}/cards/lookup", {"q": number}),
        "till: card": lambda: cashier.get(f"{api}/cards/{number}"),
        "till: preview": lambda: cashier.post(f"{api}/checkouts/preview", _check(number), content_type=JSON),
        "till: commit": lambda: cashier.post(f"{api}/checkouts", _check(number), content_type=JSON),
    }
    result = {}
    for name, request in requests.items():
        request()  # warm: the key cache, prepared statements
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            request()
        result[name] = {"primary": len(primary.captured_queries), "replica": len(replica.captured_queries)}
    return result


_checks = iter(range(10**9))


def _check(number: str) -> str:
    return json.dumps({"card": number, "check": {"external_id": f"R-{next(_checks)}-{os.getpid()}", "total": 12550,
                                                 "currency": "UAH"}})  # fmt: skip


def _manager_key(seed: dict[str, Any]) -> str:
    from stampcard.merchants import services as merchants_services
    from stampcard.merchants.models import Merchant, Role

    merchant = Merchant.objects.get(pk=seed["merchant_id"])
    user = merchants_services.staff_user_create(email=f"manager-{os.getpid()}@bench.invalid", password=None)
    membership = merchants_services.membership_create(merchant=merchant, user=user, role=Role.MANAGER)
    _key, raw = merchants_services.api_key_create(membership=membership, name="bench manager")
    return raw


def main() -> int:
    if "--measure" in sys.argv:
        print(json.dumps(measure()))  # noqa: T201
        return 0
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": DB_URL}
    env["DATABASE_REPLICA_URL"] = DB_URL
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-m", "bench.replica_reads", "--measure"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for name, counts in json.loads(out.strip().splitlines()[-1]).items():
        print(f"{name:32} primary {counts['primary']:3}  replica {counts['replica']:3}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
