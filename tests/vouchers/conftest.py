"""Fixtures for voucher tests: a manager's and a cashier's actor, and builders for vouchers in each state."""

from datetime import UTC, datetime

import pytest

from stampcard.core.clock import frozen_at
from stampcard.merchants.actors import Actor, Channel
from stampcard.vouchers import services
from stampcard.vouchers.models import Voucher

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def now():
    """Every voucher test runs at a fixed instant unless it moves the clock itself."""
    with frozen_at(T0):
        yield T0


@pytest.fixture
def manager_actor(manager) -> Actor:
    return manager.actor()


@pytest.fixture
def cashier_actor(cashier) -> Actor:
    return cashier.actor()


@pytest.fixture
def system_actor(merchant) -> Actor:
    return Actor(merchant=merchant, channel=Channel.SYSTEM)


def issue(actor: Actor, **kwargs) -> Voucher:
    kwargs.setdefault("title", "Free cappuccino")
    [voucher] = services.voucher_issue(actor=actor, **kwargs)
    return voucher
