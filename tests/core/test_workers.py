"""A task held by a worker that died is re-queued; one held by a live worker is left alone; a task that kills every
worker that runs it is failed after TASKS_MAX_CLAIMS tries."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from stampcard.core import clock, workers
from stampcard.core.models import WorkerHeartbeat
from stampcard.core.testing import run_concurrently
from stampcard.core.throttle import throttles_prune

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _timeouts(settings):
    settings.TASKS_WORKER_TIMEOUT_SECONDS = 60
    settings.TASKS_MAX_CLAIMS = 3


def claimed(*, by: list[str], ago: timedelta) -> DBTaskResult:
    """A task in the queue, claimed (RUNNING) by the last of ``by`` ``ago``."""
    result = throttles_prune.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=clock.now() - ago, worker_ids=by)
    return DBTaskResult.objects.get(pk=result.id)


def beat(worker_id: str, *, ago: timedelta) -> None:
    workers.worker_heartbeat_beat(worker_id=worker_id, now=clock.now() - ago)


def status(result: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=result.pk).status


def test_a_task_whose_worker_stopped_beating_goes_back_to_the_queue():
    beat("dead", ago=timedelta(minutes=5))
    task = claimed(by=["dead"], ago=timedelta(minutes=6))
    reclaimed = workers.tasks_reclaim_stale()
    assert reclaimed.requeued == [str(task.pk)] and reclaimed.failed == []
    assert status(task) == "READY"
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()


def test_a_task_whose_worker_never_beat_goes_back_to_the_queue():
    # Claimed by a worker from before heartbeats existed, or one that died between its claim and its first beat.
    task = claimed(by=["unknown"], ago=timedelta(minutes=2))
    assert workers.tasks_reclaim_stale().requeued == [str(task.pk)]


def test_a_long_task_of_a_live_worker_is_left_running():
    beat("alive", ago=timedelta(seconds=5))
    task = claimed(by=["dead", "alive"], ago=timedelta(hours=2))
    assert workers.tasks_reclaim_stale().requeued == []
    assert status(task) == "RUNNING"


def test_a_task_claimed_a_moment_ago_is_not_reclaimed_before_its_worker_could_beat():
    task = claimed(by=["new"], ago=timedelta(seconds=1))
    assert workers.tasks_reclaim_stale().requeued == []
    assert status(task) == "RUNNING"


def test_a_task_that_killed_every_worker_that_ran_it_is_failed_not_handed_on():
    task = claimed(by=["w1", "w2", "w3"], ago=timedelta(minutes=5))
    reclaimed = workers.tasks_reclaim_stale()
    assert reclaimed.failed == [str(task.pk)] and reclaimed.requeued == []
    row = DBTaskResult.objects.get(pk=task.pk)
    assert row.status == "FAILED" and row.exception_class_path == workers.WORKER_LOST
    assert row.finished_at is not None and "3 times" in row.traceback


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_workers_sweeping_at_once_requeue_each_dead_task_once():
    tasks = [claimed(by=["dead"], ago=timedelta(minutes=6)) for _ in range(5)]
    outcomes = run_concurrently(lambda i: workers.tasks_reclaim_stale(), n=8)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    requeued = [task_id for o in outcomes for task_id in o.value.requeued]
    assert sorted(requeued) == sorted(str(t.pk) for t in tasks)


def test_heartbeats_of_workers_gone_for_a_day_are_forgotten():
    beat("gone", ago=timedelta(days=2))
    beat("alive", ago=timedelta(seconds=1))
    workers.tasks_reclaim_stale()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_reclaims_at_start_runs_the_task_and_leaves_no_heartbeat():
    task = claimed(by=["dead"], ago=timedelta(minutes=6))
    call_command("worker", "--batch", "--no-startup-delay", "--worker-id", "w-test", verbosity=0)
    row = DBTaskResult.objects.get(pk=task.pk)
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.worker_ids == ["dead", "w-test"]
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_keeps_the_worker_fresh_while_it_runs(settings):
    settings.TASKS_WORKER_HEARTBEAT_SECONDS = 0.05
    beat("w-thread", ago=timedelta(minutes=10))
    heartbeat = workers.Heartbeat(worker_id="w-thread")
    heartbeat.start()
    try:
        deadline = clock.now() + timedelta(seconds=30)
        while WorkerHeartbeat.objects.get(worker_id="w-thread").seen_at < clock.now() - timedelta(seconds=30):
            assert clock.now() < deadline, "the thread never beat"
    finally:
        heartbeat.stop()
    assert not heartbeat.is_alive()
