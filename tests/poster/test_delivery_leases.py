"""A delivery is processed by one run at a time (its lease), and nothing is lost: whatever state a dead worker left
it in, the resume sweep finishes it, exactly once."""

from datetime import timedelta

import pytest

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.poster import deliveries, tasks
from stampcard.poster.models import DeliveryOutcome, PosterWebhookDelivery
from tests.poster.conftest import ACCOUNT, post_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(poster, connected, card, settings):
    """A closed order's webhook, stored, its task lost (the dummy backend keeps it); then tasks run at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)], comment=f"stampcard:{card.number}")
    poster.transaction_close(ACCOUNT, transaction_id)
    assert post_webhook(poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed")).status_code == 200
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return PosterWebhookDelivery.objects.get()


def died_holding(delivery, *, lease: str, ago: timedelta) -> None:
    """A worker took the delivery (attempt counted, lease set) and died; its lease ran out ``ago``."""
    PosterWebhookDelivery.objects.filter(pk=delivery.pk).update(
        lease_owner=lease, lease_until=clock.now() - ago, attempts=1, received_at=clock.now() - timedelta(hours=1)
    )


def stamps() -> int:
    return CardEvent.objects.filter(kind=EventKind.STAMP).count()


def test_a_delivery_whose_worker_died_mid_way_is_resumed_by_the_sweep_and_stamps_once(stored):
    died_holding(stored, lease="dead-run", ago=timedelta(minutes=11))
    assert tasks.poster_deliveries_resume.call() == 1
    stored.refresh_from_db()
    assert stored.outcome == DeliveryOutcome.STAMPED and stored.attempts == 2
    assert stored.lease_owner == "" and stored.lease_until is None
    assert stamps() == 1 and Check.objects.count() == 1
    assert tasks.poster_deliveries_resume.call() == 0  # finished: never picked again


def test_a_delivery_whose_lease_is_still_running_is_left_to_its_holder(stored):
    PosterWebhookDelivery.objects.filter(pk=stored.pk).update(
        lease_owner="live-run",
        lease_until=clock.now() + timedelta(minutes=4),
        received_at=clock.now() - timedelta(hours=1),
    )
    assert tasks.poster_deliveries_resume.call() == 0
    report = deliveries.delivery_process(delivery_id=stored.pk)
    assert report.busy and report.outcome == DeliveryOutcome.PENDING
    assert stamps() == 0


def test_a_run_re_queued_after_its_worker_died_takes_its_own_lease_back_at_once(stored):
    # The task system re-queues the run (same arguments, same lease) long before the lease would run out.
    PosterWebhookDelivery.objects.filter(pk=stored.pk).update(
        lease_owner="run-1", lease_until=clock.now() + timedelta(minutes=4), attempts=1
    )
    tasks.poster_delivery_process.call(delivery_id=stored.pk, lease="run-1")
    stored.refresh_from_db()
    assert stored.outcome == DeliveryOutcome.STAMPED and stamps() == 1


def test_a_delivery_that_failed_past_a_commit_replays_and_does_not_stamp_twice(stored):
    # The worker committed the check, then died before recording the delivery's outcome.
    deliveries.delivery_process(delivery_id=stored.pk)
    PosterWebhookDelivery.objects.filter(pk=stored.pk).update(outcome=DeliveryOutcome.PENDING, processed_at=None)
    died_holding(stored, lease="dead-run", ago=timedelta(minutes=11))
    assert tasks.poster_deliveries_resume.call() == 1
    stored.refresh_from_db()
    assert stored.outcome == DeliveryOutcome.REPLAYED and stamps() == 1


def test_a_fresh_delivery_is_left_to_the_task_that_was_queued_with_it(stored):
    assert tasks.poster_deliveries_resume.call() == 0  # received a moment ago
    PosterWebhookDelivery.objects.filter(pk=stored.pk).update(received_at=clock.now() - timedelta(minutes=11))
    assert tasks.poster_deliveries_resume.call() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_runs_of_one_stalled_delivery_at_once_act_once(stored):
    died_holding(stored, lease="dead-run", ago=timedelta(minutes=11))
    outcomes = run_concurrently(lambda i: deliveries.delivery_process(delivery_id=stored.pk), n=8)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    acted = [o.value for o in outcomes if o.value.acted]
    assert [r.outcome for r in acted] == [DeliveryOutcome.STAMPED]
    stored.refresh_from_db()
    assert stored.attempts == 2 and stamps() == 1
