"""The read replica: the analytics and the CSV exports read it when DATABASE_REPLICA_URL configures one; the till's
path never does; without one there is one database alias and everything reads it."""

import csv
import io
import json
import os
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stampcard.analytics import rollups
from stampcard.cards.models import CardEvent
from stampcard.core.reads import REPLICA, ReplicaRouter, replica_alias
from stampcard.merchants.models import Role
from tests.analytics.helpers import stamp
from tests.api.helpers import API, checkout_body, get, post
from tests.conftest import make_staff

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def replica():
    """The replica alias as DATABASE_REPLICA_URL configures it, a test mirror of the test database: a second
    connection that sees what the first committed (hence transactional tests), with no database of its own. Added
    before the tests' database setup, which checks the aliases a test may use."""
    mirror = {**connections[DEFAULT_DB_ALIAS].settings_dict}
    mirror["TEST"] = {**mirror["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    settings.DATABASES[REPLICA] = mirror  # the dict behind ``connections`` too
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del settings.DATABASES[REPLICA]


with_replica = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])


class Captured:
    """The statements each connection ran inside the block."""

    def __enter__(self) -> "Captured":
        self._stack = ExitStack()
        self.by_alias = {
            alias: self._stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in settings.DATABASES
        }
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def sql(self, alias: str) -> list[str]:
        return [query["sql"] for query in self.by_alias[alias].captured_queries]


@pytest.fixture
def shop(merchant, location, card, cashier):
    stamp(cashier, card, datetime(2026, 3, 2, 9, tzinfo=UTC))
    rollups.rollups_refresh(now=datetime(2027, 1, 1, tzinfo=UTC))
    return make_staff(merchant, Role.MANAGER)


def configured(**env: str) -> tuple[dict, list[str]]:
    """DATABASES and DATABASE_ROUTERS as config/settings.py makes them from ``env``."""
    script = (
        "from django.conf import settings as s; print(json.dumps([s.DATABASES, getattr(s, 'DATABASE_ROUTERS', [])]))"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_REPLICA_URL")}
    result = subprocess.run(
        [sys.executable, "-c", f"import json, django; django.setup(); {script}"],
        cwd=ROOT, env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_without_the_replica_setting_there_is_one_alias_and_no_router():
    databases, routers = configured(DATABASE_URL="postgres://postgres@db.internal:5432/stampcard")

    assert list(databases) == [DEFAULT_DB_ALIAS] and routers == []
    assert list(configured()[0]) == [DEFAULT_DB_ALIAS]  # SQLite, the demo's


def test_the_replica_setting_adds_a_mirrored_alias_that_migrations_skip():
    databases, routers = configured(
        DATABASE_URL="postgres://postgres@db.internal:5432/stampcard",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/stampcard",
    )

    assert databases[REPLICA]["HOST"] == "replica.internal" and databases[REPLICA]["USER"] == "reader"
    assert databases[REPLICA]["TEST"]["MIRROR"] == "default"  # tests create no second database
    assert databases[DEFAULT_DB_ALIAS]["HOST"] == "db.internal"
    assert routers == ["stampcard.core.reads.ReplicaRouter"]
    assert ReplicaRouter().allow_migrate(REPLICA, "cards") is False
    assert ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "cards") is None


@with_replica
def test_with_a_replica_the_analytics_read_their_rollups_from_it(shop):
    assert replica_alias() == REPLICA

    with Captured() as captured:
        summary = get(shop.client(), "/analytics/summary", period="month", **{"from": "2026-03-01"})
        table = shop.client().get(f"{API}/analytics/csv", {"table": "days", "period": "month", "from": "2026-03-01"})

    assert summary.status_code == 200 and table.status_code == 200
    visits = next(f for f in summary.json()["figures"] if f["key"] == "visits")
    assert visits["value"] == 1  # the mirror sees what the primary committed
    on_replica = " ".join(captured.sql(REPLICA))
    for rollup in (
        "analytics_dayrollup",
        "analytics_periodcustomers",
        "analytics_hourrollup",
        "analytics_lotteryrollup",
    ):
        assert rollup in on_replica
    on_primary = [sql for sql in captured.sql(DEFAULT_DB_ALIAS) if "analytics_" in sql]
    assert on_primary and all("analytics_roisettings" in sql for sql in on_primary)  # a setting just saved shows


@with_replica
def test_with_a_replica_the_csv_exports_read_it(shop, card):
    with Captured() as captured:
        customers = b"".join(shop.client().get(f"{API}/customers/export.csv").streaming_content)
        ledger = b"".join(shop.client().get(f"{API}/journal/export.csv").streaming_content)

    assert [row[4] for row in csv.reader(io.StringIO(customers.decode("utf-8-sig")))][1:] == [card.number]
    assert len(list(csv.reader(io.StringIO(ledger.decode("utf-8-sig"))))) == 1 + CardEvent.objects.count()
    assert any('FROM "cards_card"' in sql for sql in captured.sql(REPLICA))
    assert any('FROM "cards_cardevent"' in sql for sql in captured.sql(REPLICA))
    on_primary = captured.sql(DEFAULT_DB_ALIAS)
    assert not [sql for sql in on_primary if 'FROM "cards_card"' in sql or 'FROM "cards_cardevent"' in sql]


@with_replica
def test_with_a_replica_the_tills_path_never_reads_it(card, cashier):
    client = cashier.client()
    with Captured() as captured:
        assert get(client, "/cards/lookup", q=card.number).json()["results"]
        assert get(client, f"/cards/{card.number}").status_code == 200
        assert post(client, "/checkouts/preview", checkout_body(card)).status_code == 200
        committed = post(client, "/checkouts", checkout_body(card))
        assert get(client, f"/cards/{card.number}").json()["stamps"] == committed.json()["card"]["stamps"]

    assert committed.status_code in (200, 201), committed.content
    assert captured.sql(REPLICA) == []
    assert captured.sql(DEFAULT_DB_ALIAS)


@with_replica
def test_with_a_replica_the_panels_analytics_and_exports_read_it(shop):
    client = Client()
    client.force_login(shop.membership.user)
    with Captured() as captured:
        assert client.get("/panel/analytics/", {"period": "month", "from": "2026-03-01"}).status_code == 200
        assert client.get("/panel/analytics/csv/", {"table": "days", "period": "month"}).status_code == 200
        for export in ("/panel/customers/export.csv", "/panel/journal/export.csv"):
            response = client.get(export)
            assert response.status_code == 200
            b"".join(response.streaming_content)

    on_replica = " ".join(captured.sql(REPLICA))
    for table in ("analytics_dayrollup", 'FROM "cards_card"', 'FROM "cards_cardevent"'):
        assert table in on_replica
    on_primary = captured.sql(DEFAULT_DB_ALIAS)
    assert not [sql for sql in on_primary if "rollup" in sql or 'FROM "cards_cardevent"' in sql]
