"""Backup and restore as docs/deploy.md says: pg_dump a migrated, seeded database, pg_restore it into a fresh one, and
the restored one has every migration and every row, and serves the API (a lookup and a stamp with the demo's key)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]

SMOKE = """
import json, sys
import django
django.setup()
from django.test import Client
demo = json.loads(sys.argv[1])
client = Client(headers={"Authorization": "Bearer " + demo["api_key"]})
found = client.get("/api/v1/cards/lookup", {"q": demo["sample_card_number"]})
assert found.status_code == 200, found.content
card = found.json()["results"][0]
currency = card.get("currency") or "UAH"
body = {"card": card["number"], "check": {"external_id": "RESTORE-1", "total": 5000, "currency": currency}}
stamped = client.post("/api/v1/checkouts", data=json.dumps(body), content_type="application/json")
print(json.dumps({"before": card["stamps"], "status": stamped.status_code, "answer": stamped.json()}))
"""


def server() -> dict[str, str]:
    db = connection.settings_dict
    return {"host": str(db["HOST"] or "127.0.0.1"), "port": str(db["PORT"] or "5432"), "user": str(db["USER"])}


def url(name: str) -> str:
    s = server()
    return f"postgres://{s['user']}@{s['host']}:{s['port']}/{name}"


def psql(sql: str, database: str = "postgres") -> str:
    s = server()
    return subprocess.run(
        ["psql", "-h", s["host"], "-p", s["port"], "-U", s["user"], "-d", database, "-tA", "-v", "ON_ERROR_STOP=1",
         "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def manage(*args: str, database: str, var: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url(database), "STAMPCARD_VAR_DIR": str(var)}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def counts(database: str) -> dict[str, int]:
    tables = ["merchants_merchant", "cards_card", "cards_cardevent", "customers_customer", "merchants_apikey"]
    return {table: int(psql(f"SELECT count(*) FROM {table}", database)) for table in tables}


def test_a_dump_restored_into_a_fresh_database_has_everything_and_serves_the_api(tmp_path):
    source, restored = f"bk_src_{os.getpid()}", f"bk_restored_{os.getpid()}"
    for name in (source, restored):
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {source}")
    try:
        # given: a migrated database with the demo merchant's data
        seeded = manage("demo", "--seed-only", database=source, var=tmp_path)
        assert seeded.returncode == 0, seeded.stderr
        demo = json.loads((tmp_path / "demo.json").read_text())
        dump = tmp_path / "stampcard.dump"

        # when: dumped, and restored into a fresh database (the commands of docs/deploy.md)
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}", url(source)], check=True
        )
        psql(f"CREATE DATABASE {restored}")
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--jobs=2", f"--dbname={url(restored)}",
             str(dump)],
            check=True,
        )  # fmt: skip

        # then: nothing to migrate, the same rows, and the API answers from it
        assert manage("migrate", "--check", database=restored, var=tmp_path).returncode == 0
        assert counts(restored) == counts(source)
        assert counts(restored)["cards_card"] > 0
        env = {
            **os.environ,
            "DATABASE_URL": url(restored),
            "STAMPCARD_VAR_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "testserver",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        smoke = subprocess.run(
            [sys.executable, "-c", SMOKE, json.dumps(demo)], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert smoke.returncode == 0, smoke.stderr
        result = json.loads(smoke.stdout.strip().splitlines()[-1])
        assert result["status"] == 200, result
        assert result["answer"]["stamps_issued"] >= 1
        assert int(psql("SELECT count(*) FROM cards_check WHERE external_id = 'RESTORE-1'", restored)) == 1
        assert int(psql("SELECT count(*) FROM cards_check WHERE external_id = 'RESTORE-1'", source)) == 0
    finally:
        for name in (source, restored):
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
