"""The demo keeps its worker and beat running: a crashed one starts again after a back-off, the web server stays up."""

import json
import os
import signal
import sys
from pathlib import Path

import httpx

from stampcard.demo.supervisor import Child, Supervisor
from tests.demo.test_demo_command import ROOT, alive, children_of, free_port, wait_for

CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def supervisor(*children: Child, clock: Clock) -> tuple[Supervisor, list[str]]:
    said: list[str] = []
    return Supervisor(children=list(children), env=os.environ, cwd=ROOT, say=said.append, clock=clock), said


def wait_exit(child: Child) -> None:
    assert child.proc is not None
    child.proc.wait(30)


def test_a_crashing_worker_is_started_again_with_a_doubling_back_off_and_the_web_server_stays():
    clock = Clock()
    web, worker = Child("web server", SLEEP, restart=False), Child("worker", CRASH, restart=True)
    sup, said = supervisor(web, worker, clock=clock)
    sup.start()
    try:
        delays = []
        for _ in range(4):
            wait_exit(worker)
            assert sup.poll()
            delays.append(worker.restart_at - clock.now)
            clock.now = worker.restart_at - 0.01
            assert sup.poll() and worker.restart_at is not None  # not before its time
            clock.now = worker.restart_at
            assert sup.poll() and worker.restart_at is None  # started again
        assert delays == [1, 2, 4, 8]
        assert worker.restarts == 4 and web.proc.poll() is None
        assert "the worker stopped (exit 3); starting it again in 8 s" in said
    finally:
        sup.stop()
    assert web.proc.poll() is not None  # stop() ends them all


def test_the_back_off_is_capped_and_resets_after_a_worker_ran_for_a_while():
    clock = Clock()
    worker = Child("worker", CRASH, restart=True)
    sup, _ = supervisor(worker, clock=clock)
    assert [sup.backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    worker.quick_failures = 6
    sup.start()
    clock.now = 61  # it ran past stable_after before it crashed
    wait_exit(worker)
    assert sup.poll()
    assert worker.restart_at - clock.now == 1
    sup.stop()


def test_the_web_server_stopping_ends_the_supervisor():
    clock = Clock()
    web, worker = Child("web server", CRASH, restart=False), Child("worker", SLEEP, restart=True)
    sup, said = supervisor(web, worker, clock=clock)
    sup.start()
    try:
        wait_exit(web)
        assert sup.poll() is False
        assert said == ["the web server stopped (exit 3); shutting down the others"]
    finally:
        sup.stop()
    assert worker.proc.poll() is not None


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def test_the_demo_starts_a_killed_worker_again_and_keeps_serving(tmp_path):
    import subprocess
    import time

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
    env.update(STAMPCARD_VAR_DIR=str(tmp_path), PORT=str(port), DATABASE_URL="")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", timeout=240).status_code == 200  # migrate + seed first

        def workers() -> list[int]:
            return [pid for pid in children_of(proc.pid) if " worker" in cmdline(pid) and alive(pid)]

        (first,) = workers()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while not (again := [pid for pid in workers() if pid != first]):
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "the worker was not started again"
            time.sleep(0.2)
        assert len(again) == 1
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        demo = json.loads((tmp_path / "demo.json").read_text())
        assert demo["base_url"] == f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    assert "the worker stopped (exit -9); starting it again in 1 s" in out
