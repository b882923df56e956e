"""The mixed-load bench (``make load``), run tiny through the real stack, and its saturation rule on made-up steps."""

from urllib.parse import quote

import pytest
from django.conf import settings

from bench import load, mixgen


def _step(clients: int, rps: float, p99_ms: float) -> dict:
    return {"clients": clients, "rps": rps, "latency_us": {"p99": int(p99_ms * 1000)}}


def test_saturation_is_the_last_step_before_throughput_stops_rising():
    steps = [_step(1, 50, 20), _step(2, 95, 22), _step(4, 160, 30), _step(8, 170, 60), _step(16, 168, 120)]

    found = load.saturation(steps)

    assert (found["clients"], found["next_clients"], found["reached"]) == (4, 8, True)
    assert found["why"] == "throughput stopped rising"


def test_saturation_is_the_step_before_p99_explodes_though_throughput_still_rises():
    steps = [_step(1, 50, 20), _step(2, 95, 25), _step(4, 180, 95)]

    found = load.saturation(steps)

    assert (found["clients"], found["next_clients"], found["p99_blowup_clients"]) == (2, 4, 4)
    assert "p99" in found["why"]


def test_one_disturbed_step_does_not_end_the_search():
    # 4 clients measured while a neighbour took the CPU: throughput dipped, then rose again at 8.
    steps = [_step(1, 22, 223), _step(2, 35, 302), _step(4, 34, 646), _step(8, 98, 310), _step(16, 48, 2092)]

    found = load.saturation(steps)

    assert (found["clients"], found["next_clients"], found["p99_blowup_clients"]) == (8, 16, 16)


def test_rising_throughput_all_the_way_is_not_saturation():
    assert load.saturation([_step(1, 50, 20), _step(2, 95, 22)])["reached"] is False


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_tiny_run_drives_every_endpoint_and_the_database_adds_up(tmp_path, monkeypatch):
    db = settings.DATABASES["default"]
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    monkeypatch.setenv("BENCH_PG_URL", f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres")
    name = db["NAME"]  # the test database's name: unique to this run, so parallel runs never share bench databases
    args = load.parse_args(
        ["--clients", "1,2", "--seconds", "5", "--warmup", "1", "--cards", "12", "--vouchers", "20",
         "--pgbench-scale", "1", "--pgbench-seconds", "1", "--quiet-wait", "0",
         "--app-db", f"{name}_load", "--pgbench-db", f"{name}_load_pgbench", "--json", str(tmp_path / "load.json")]
    )  # fmt: skip

    report = load.run(args)

    assert report["correctness"]["passed"], report["correctness"]["checks"]
    assert [s["clients"] for s in report["steps"]] == [1, 2]
    for endpoint in mixgen.ENDPOINTS:
        assert sum(s["endpoints"][endpoint]["ok_total"] for s in report["steps"]) > 0, endpoint
    for s in report["steps"]:
        assert s["rps"] > 0 and s["latency_us"]["p99"] >= s["latency_us"]["p50"] > 0
        assert s["cpu_seconds"]["gunicorn"] > 0 and s["cpu_seconds"]["database"] > 0
    assert report["pgbench"]["tps"] > 0
    assert "saturation" in load.format_report(report)
    assert (tmp_path / "load.json").exists()
