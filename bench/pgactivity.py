"""Sample pg_stat_activity while the load runs: what the app's PostgreSQL backends are doing, in shares of time.

A backend is ``idle`` (waiting for the app between transactions), ``idle in transaction`` (the app holds a
transaction open while it runs Python), ``active`` on CPU, or waiting on something named by ``wait_event``
(``Lock:transactionid`` = queued on a row another transaction locked; ``IO:WALSync`` = commit's fsync). For lock
waits the waiting statement is tallied too, which points at the contended row.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg

from bench import procstat

QUERY = """
    SELECT state, wait_event_type, wait_event, left(query, 60)
    FROM pg_stat_activity
    WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


@dataclass
class ActivityProfile:
    samples: int = 0
    states: Counter[str] = field(default_factory=Counter)
    lock_waits: Counter[str] = field(default_factory=Counter)

    def shares(self) -> dict[str, float]:
        total = sum(self.states.values())
        return {k: round(v / total, 3) for k, v in self.states.most_common()} if total else {}

    def top_lock_waits(self, n: int = 3) -> dict[str, float]:
        total = sum(self.states.values())
        return {k: round(v / total, 3) for k, v in self.lock_waits.most_common(n)} if total else {}


class ActivitySampler:
    """Polls pg_stat_activity every ``interval`` seconds on its own connection until stopped."""

    def __init__(self, url: str, dbname: str, interval: float = 0.1) -> None:
        self.url, self.dbname, self.interval = url, dbname, interval
        self.profile = ActivityProfile()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-activity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling; idempotent, and harmless if never started."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> "ActivitySampler":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                for state, wait_type, wait_event, query in conn.execute(QUERY, (self.dbname,)).fetchall():
                    if wait_type and wait_type != "Client":
                        key = f"{state}, waiting {wait_type}:{wait_event}"
                    elif state == "active":
                        key = "active, running"
                    else:
                        key = state or "unknown"  # idle / idle in transaction: PostgreSQL waits for the app
                    self.profile.states[key] += 1
                    if wait_type == "Lock":
                        self.profile.lock_waits[" ".join((query or "").split())] += 1
                self.profile.samples += 1
                time.sleep(self.interval)


def backend_cpu(url: str, dbname: str) -> dict[int, float]:
    """CPU seconds so far of each backend connected to ``dbname`` (from /proc; PostgreSQL on this machine).

    ``procstat`` counts every process named postgres, which on a server shared with other work (other databases, a
    test suite) is more than the bench's share; the backends of the bench's own database are its share, less the
    background processes (WAL writer, checkpointer) every database shares.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,)
        ).fetchall()
    found = {}
    for (pid,) in rows:
        if (stat := procstat.process_cpu(pid)) is not None:
            found[pid] = stat
    return found


def backend_cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the database's backends used between two readings (a backend that started in between counts from 0)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
