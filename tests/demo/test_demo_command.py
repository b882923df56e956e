"""`make run` end to end: the demo command starts the web server, the worker and the beat; Ctrl-C stops them all."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_demo_serves_the_api_on_port_and_ctrl_c_stops_every_process(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
    env.update(STAMPCARD_VAR_DIR=str(tmp_path), PORT=str(port), DATABASE_URL="")  # SQLite in tmp, like a newcomer
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # A fresh database: migrations and the seed with its eight weeks of history come first (seconds on an idle
        # machine, a minute or more on a busy one).
        health = wait_for(f"http://127.0.0.1:{port}/healthz", timeout=240)
        assert health.status_code == 200
        demo = json.loads((tmp_path / "demo.json").read_text())
        assert demo["base_url"] == f"http://127.0.0.1:{port}"
        card = httpx.get(
            f"{demo['base_url']}/api/v1/cards/lookup",
            params={"q": "olena"},
            headers={"Authorization": f"Bearer {demo['api_key']}"},
        )
        assert card.status_code == 200 and card.json()["results"]
        # The customer and staff pages the demo prints answer: the scanner app, the receipt claim, the insert.
        pages = [url for url in demo["features"].values() if any(p in url for p in ("/scanner/", "/r/", "/i/"))]
        assert len(pages) >= 3
        for url in pages:
            assert httpx.get(url).status_code == 200, url
        children = children_of(proc.pid)
        assert len(children) == 3  # gunicorn, the worker and the beat

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
        proc.wait(timeout=30)
        output = proc.stdout.read() if proc.stdout else ""
        assert demo["api_key"] in output and demo["owner_password"] in output
        assert demo["cashier_password"] in output and "/pos/" in output  # the scanner login, the Poster register
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in children)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
