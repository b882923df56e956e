"""The database throttle behind every rate limit: fixed windows, all limits or none, slots given back, pruning."""

from datetime import UTC, datetime, timedelta

import pytest

from stampcard.core.clock import frozen_at
from stampcard.core.models import Throttle
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_give_back, throttle_take, throttles_prune

T0 = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)  # ten seconds into a minute


@pytest.fixture(autouse=True)
def _db(db):
    with frozen_at(T0):
        yield


def test_a_limit_lets_its_count_through_per_window_and_says_when_to_come_back():
    limit = Limit("k", 2, 60)
    throttle_take(limits=[limit])
    throttle_take(limits=[limit])

    with pytest.raises(ThrottleExceeded) as refused:
        throttle_take(limits=[limit])

    assert refused.value.retry_after == 50 and refused.value.limit == limit
    with frozen_at(T0 + timedelta(seconds=50)):
        throttle_take(limits=[limit])  # the next window


def test_a_refusal_takes_nothing_from_the_other_limits():
    throttle_take(limits=[Limit("full", 1, 60)])

    with pytest.raises(ThrottleExceeded):
        throttle_take(limits=[Limit("other", 5, 60), Limit("full", 1, 60)])

    assert not Throttle.objects.filter(scope="other", count__gt=0).exists()


def test_slots_given_back_can_be_taken_again():
    limit = Limit("k", 1, 60)
    throttle_give_back(taken=throttle_take(limits=[limit]))

    throttle_take(limits=[limit])


def test_pruning_deletes_only_windows_long_past():
    Throttle.objects.create(scope="old", window_start=T0 - timedelta(days=3), count=3)
    Throttle.objects.create(scope="new", window_start=T0 - timedelta(hours=1), count=3)

    assert throttles_prune.call() == 1
    assert list(Throttle.objects.values_list("scope", flat=True)) == ["new"]
