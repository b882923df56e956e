"""The beat enqueues each periodic task once per interval, and the tasks it names exist."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from stampcard.core.periodic import SCHEDULE, Periodic, enqueue_due

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_task_is_enqueued_at_start_and_again_only_after_its_interval():
    schedule = [Periodic("a", timedelta(minutes=1)), Periodic("b", timedelta(hours=1))]
    sent: list[str] = []
    last: dict[str, datetime] = {}

    def at(moment):
        return enqueue_due(now=moment, last_enqueued=last, schedule=schedule, enqueue=sent.append)

    assert at(T0) == ["a", "b"]
    assert at(T0 + timedelta(seconds=59)) == []
    assert at(T0 + timedelta(minutes=1)) == ["a"]
    assert at(T0 + timedelta(hours=1)) == ["a", "b"]
    assert sent == ["a", "b", "a", "a", "b"]


@pytest.mark.django_db
def test_beat_once_puts_every_scheduled_task_in_the_workers_queue():
    call_command("beat", "--once")

    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == {item.task for item in SCHEDULE}
