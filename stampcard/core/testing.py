"""Helpers for tests that prove behaviour under real concurrency."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connection


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_concurrently(fn: Callable[[int], Any], *, n: int, timeout: float = 60) -> list[Outcome]:
    """Run ``fn(i)`` in ``n`` real threads released at the same instant; each thread has its own DB connection.

    Returns one Outcome per thread, in thread order. Exceptions are captured, not raised.
    """
    barrier = threading.Barrier(n)
    outcomes = [Outcome() for _ in range(n)]

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[i].value = fn(i)
        except BaseException as exc:  # noqa: BLE001 - the caller inspects every outcome
            outcomes[i].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if any(t.is_alive() for t in threads):
        raise TimeoutError("a concurrent worker did not finish")
    close_old_connections()
    return outcomes
