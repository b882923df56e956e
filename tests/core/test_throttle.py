"""The throttle behind every rate limit: fixed windows, all limits or none, slots given back, exact under concurrency;
counted in the database, or in Redis when REDIS_URL is set (and in the database again while Redis does not answer).
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis

from stampcard.core import throttle_redis
from stampcard.core.clock import frozen_at
from stampcard.core.models import Throttle
from stampcard.core.testing import run_concurrently
from stampcard.core.throttle import Limit, ThrottleExceeded, throttle_give_back, throttle_take, throttles_prune

T0 = datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC)  # ten seconds into a minute
TEST_REDIS = "redis://127.0.0.1:6379/7"  # this suite's own database number: flushed, never db 0
NOBODY_LISTENS = "redis://127.0.0.1:1/7"


@pytest.fixture(autouse=True)
def _redis_answering(monkeypatch):
    monkeypatch.setattr(throttle_redis, "_paused_until", 0.0)  # a failure in one test does not pause the next


def redis_flushed() -> redis.Redis:
    client = redis.Redis.from_url(TEST_REDIS)
    client.flushdb()
    return client


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    """Where the counters live: the database (no REDIS_URL) or Redis."""
    settings.REDIS_URL = "" if request.param == "database" else TEST_REDIS
    if request.param == "redis":
        redis_flushed()
    return request.param


@pytest.fixture
def frozen(backend, db):
    with frozen_at(T0):
        yield


def test_a_limit_lets_its_count_through_per_window_and_says_when_to_come_back(frozen):
    limit = Limit("k", 2, 60)
    throttle_take(limits=[limit])
    throttle_take(limits=[limit])

    with pytest.raises(ThrottleExceeded) as refused:
        throttle_take(limits=[limit])

    assert refused.value.retry_after == 50 and refused.value.limit == limit
    with frozen_at(T0 + timedelta(seconds=50)):
        throttle_take(limits=[limit])  # the next window


def test_a_refusal_names_the_limit_used_up_and_takes_nothing_from_the_others(frozen):
    throttle_take(limits=[Limit("full", 1, 60)])

    with pytest.raises(ThrottleExceeded) as refused:
        throttle_take(limits=[Limit("other", 1, 60), Limit("full", 1, 60)])

    assert refused.value.limit.key == "full"
    throttle_take(limits=[Limit("other", 1, 60)])  # its one slot is still there


def test_slots_given_back_can_be_taken_again(frozen):
    limit = Limit("k", 1, 60)
    throttle_give_back(taken=throttle_take(limits=[limit]))

    throttle_take(limits=[limit])


def test_giving_back_more_than_was_taken_opens_nothing(frozen):
    limit = Limit("k", 1, 60)
    taken = throttle_take(limits=[limit])
    throttle_give_back(taken=taken)
    throttle_give_back(taken=taken)

    throttle_take(limits=[limit])
    with pytest.raises(ThrottleExceeded):
        throttle_take(limits=[limit])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["redis", pytest.param("database", marks=pytest.mark.postgres)], indirect=True)
def test_a_burst_of_parallel_takes_lets_exactly_the_limit_through_and_takes_all_or_none(backend):
    shared, roomy = Limit("burst", 5, 60), Limit("roomy", 8, 60)

    outcomes = run_concurrently(lambda i: throttle_take(limits=[roomy, shared]), n=12)

    assert sum(o.ok for o in outcomes) == 5
    assert all(isinstance(o.error, ThrottleExceeded) for o in outcomes if not o.ok)
    for _ in range(3):  # the seven refused calls took nothing from the roomy limit
        throttle_take(limits=[roomy])
    with pytest.raises(ThrottleExceeded):
        throttle_take(limits=[roomy])


@pytest.mark.django_db(transaction=True)
def test_taking_and_giving_back_from_many_threads_in_redis_leaves_the_count_exact(settings):
    """The lookup miss guard's pattern: every call takes a slot and most give it back at once."""
    settings.REDIS_URL = TEST_REDIS
    client = redis_flushed()
    limit = Limit("lookups", 1000, 3600)
    kept = []
    lock = threading.Lock()

    def lookup(i):
        taken = throttle_take(limits=[limit])
        if i % 4:
            throttle_give_back(taken=taken)
        else:
            with lock:
                kept.append(taken)

    assert all(o.ok for o in run_concurrently(lookup, n=16))
    (key,) = client.keys(f"{throttle_redis.PREFIX}lookups:*")
    assert int(client.get(key)) == len(kept) == 4


def test_in_redis_a_limit_writes_nothing_to_the_database_and_its_counter_expires(
    db, settings, django_assert_num_queries
):
    settings.REDIS_URL = TEST_REDIS
    client = redis_flushed()

    with django_assert_num_queries(0), frozen_at(T0):
        throttle_give_back(taken=throttle_take(limits=[Limit("k", 3, 60)]))
        throttle_take(limits=[Limit("k", 3, 60)])

    (key,) = client.keys(f"{throttle_redis.PREFIX}*")
    assert key.decode() == f"{throttle_redis.PREFIX}k:{int(T0.timestamp()) - 10}"
    assert int(client.get(key)) == 1
    assert 60 < client.ttl(key) <= 120  # gone a minute after its window: nothing to prune


def test_while_redis_does_not_answer_the_limits_count_in_the_database(db, settings):
    settings.REDIS_URL = NOBODY_LISTENS
    limit = Limit("k", 2, 60)

    with frozen_at(T0):
        throttle_take(limits=[limit])
        throttle_take(limits=[limit])
        with pytest.raises(ThrottleExceeded):
            throttle_take(limits=[limit])  # neither open nor closed: exact, in the database

    assert Throttle.objects.get(scope="k").count == 2


def test_after_redis_failed_this_process_stops_asking_it_for_a_few_seconds(db, settings, monkeypatch):
    settings.REDIS_URL = NOBODY_LISTENS
    with frozen_at(T0):
        throttle_take(limits=[Limit("k", 5, 60)])
    settings.REDIS_URL = TEST_REDIS  # answering again, but not asked until the pause is over
    client = redis_flushed()

    with frozen_at(T0):
        throttle_take(limits=[Limit("k", 5, 60)])
        assert Throttle.objects.get(scope="k").count == 2 and not client.keys("*")
        monkeypatch.setattr(throttle_redis, "_paused_until", 0.0)  # the pause is over
        throttle_take(limits=[Limit("k", 5, 60)])

    assert Throttle.objects.get(scope="k").count == 2 and client.keys(f"{throttle_redis.PREFIX}*")


def test_slots_taken_in_redis_are_given_back_there_and_stay_taken_when_it_is_gone(db, settings):
    settings.REDIS_URL = TEST_REDIS
    client = redis_flushed()
    limit = Limit("k", 1, 60)
    with frozen_at(T0):
        taken = throttle_take(limits=[limit])
        settings.REDIS_URL = NOBODY_LISTENS
        throttle_give_back(taken=taken)  # no error: the slot stays counted until its window ends

    assert not Throttle.objects.exists()  # nothing given back to the database, where nothing was taken
    (key,) = client.keys(f"{throttle_redis.PREFIX}*")
    assert int(client.get(key)) == 1


def test_pruning_deletes_only_windows_long_past(db):
    with frozen_at(T0):
        Throttle.objects.create(scope="old", window_start=T0 - timedelta(days=3), count=3)
        Throttle.objects.create(scope="new", window_start=T0 - timedelta(hours=1), count=3)

        assert throttles_prune.call() == 1
    assert list(Throttle.objects.values_list("scope", flat=True)) == ["new"]
