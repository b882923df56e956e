"""Transactions of services called inside a caller's all-or-nothing transaction.

A service owns its transaction (``@atomic_service``): called on its own it commits or rolls back as a whole. Called
inside another transaction, Django's ``atomic`` would take a savepoint (two more round trips) so that the caller
could catch the service's error and carry on. A caller that never carries on after an error, because any error
rolls its whole transaction back (the API's idempotent writes: the write and its recorded answer commit together or
not at all), says so with ``all_or_nothing()``, and the services inside it join its transaction without a savepoint.
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_whole_transaction_rolls_back: ContextVar[bool] = ContextVar("whole_transaction_rolls_back", default=False)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """One transaction in which an error from any service rolls everything back: services need no savepoints."""
    token = _whole_transaction_rolls_back.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _whole_transaction_rolls_back.reset(token)


def atomic_service(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service, without the savepoint inside an ``all_or_nothing()`` block."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=not _whole_transaction_rolls_back.get()):
            return func(*args, **kwargs)

    return wrapper
