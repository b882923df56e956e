"""Many requests taking from the same limits at once, on PostgreSQL: a limit never lets more through than it allows,
and a request refused by one limit takes nothing from the others (all limits or none, without a transaction)."""

from datetime import UTC, datetime

import pytest

from stampcard.core.clock import frozen_at
from stampcard.core.models import Throttle
from stampcard.core.testing import run_concurrently
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_take

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)
WINDOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _take(limits: list[Limit]) -> bool:
    with frozen_at(T0):
        try:
            throttle_take(limits=limits)
        except ThrottleExceeded:
            return False
        return True


@pytest.mark.parametrize("rows_exist", [True, False], ids=["usual request", "first of the window"])
def test_twenty_four_concurrent_takes_let_exactly_the_limit_through_and_leave_the_other_limit_even(rows_exist):
    if rows_exist:  # one request already counted in each: the single-statement take, not the first-of-window path
        Throttle.objects.create(scope="scarce", window_start=WINDOW, count=1)
        Throttle.objects.create(scope="plenty", window_start=WINDOW, count=1)
    limits = [Limit("plenty", 1000, 60), Limit("scarce", 6, 60)]

    outcomes = run_concurrently(lambda i: _take(limits if i % 2 else limits[::-1]), n=24)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    let_through = sum(o.value for o in outcomes)
    counts = dict(Throttle.objects.values_list("scope", "count"))
    already = 1 if rows_exist else 0
    assert let_through == 6 - already
    assert counts == {"scarce": 6, "plenty": 6}  # a refused request took nothing from "plenty"
