"""The processes ``manage.py demo`` runs (web server, worker, beat), kept running.

A worker or beat that stops (a crash, an out-of-memory kill) is started again after a back-off that doubles with each
quick failure (1 s, 2 s, 4 s … at most 30 s) and resets once it has run for a minute; the web server is never taken
down with it. Tasks the dead worker held are re-queued by the next one (``stampcard.core.workers``). Only the web
server stopping ends the demo: it is what the person at the keyboard is using.
"""

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool  # start again when it stops; otherwise its stopping ends the supervisor
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class Supervisor:
    children: list[Child]
    env: Mapping[str, str]
    cwd: Path
    say: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    stable_after: float = 60.0  # a child that ran this long before stopping starts again after the shortest delay
    spawn: Callable[..., subprocess.Popen] = field(default=subprocess.Popen)

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.proc = self.spawn(child.argv, env=dict(self.env), cwd=self.cwd)
        child.started_at, child.restart_at = self.clock(), None

    def backoff(self, quick_failures: int) -> float:
        return float(min(self.backoff_base * 2 ** max(quick_failures - 1, 0), self.backoff_max))

    def poll(self) -> bool:
        """Check every child once: schedule restarts, start those due. False once a child that must not stop has
        stopped (the caller then stops the rest)."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self.say(f"starting the {child.name} again")
                    self._spawn(child)
                continue
            code = child.proc.poll() if child.proc is not None else None
            if code is None:
                continue
            if not child.restart:
                self.say(f"the {child.name} stopped (exit {code}); shutting down the others")
                return False
            ran = now - child.started_at
            child.quick_failures = 1 if ran >= self.stable_after else child.quick_failures + 1
            delay = self.backoff(child.quick_failures)
            child.restart_at = now + delay
            self.say(f"the {child.name} stopped (exit {code}); starting it again in {delay:.0f} s")
        return True

    def stop(self, timeout: float = 10) -> None:
        running = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        for proc in running:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
