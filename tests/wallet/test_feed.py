"""The wallet change feed hands every recorded card change to both wallets: right after the commit, or by the periodic
sweep when no hook did; at least once, and never to two workers at the same time. The wallets themselves are
recorded here (their pushes and patches are proven against the stand-ins in tests/wallet/apple and google)."""

from datetime import timedelta

import pytest
from django.db import transaction

from stampcard.cards import changes
from stampcard.cards.changes import cards_touch
from stampcard.cards.models import CardChange
from stampcard.core import clock
from stampcard.core.periodic import SCHEDULE
from stampcard.core.testing import run_concurrently
from stampcard.wallet import feed, locks
from stampcard.wallet.apple import tasks as apple_tasks
from stampcard.wallet.google import tasks as google_tasks
from tests.factories import CardFactory


class Wallet:
    """Stands in for one wallet's ``changes_enqueue``: records the cards it was handed, or fails to queue."""

    def __init__(self) -> None:
        self.handed: list[int] = []
        self.down = False

    def changes_enqueue(self, *, card_ids: list[int]) -> int:
        if self.down:
            raise RuntimeError("queue down")
        self.handed.extend(card_ids)  # atomic under the GIL: the concurrent sweeps share it
        return len(card_ids)


@pytest.fixture
def apple(monkeypatch) -> Wallet:
    wallet = Wallet()
    monkeypatch.setattr(apple_tasks, "changes_enqueue", wallet.changes_enqueue)
    return wallet


@pytest.fixture
def google(monkeypatch) -> Wallet:
    wallet = Wallet()
    monkeypatch.setattr(google_tasks, "changes_enqueue", wallet.changes_enqueue)
    return wallet


def held_cards(program, n: int) -> list[int]:
    return [CardFactory(program=program, in_wallet=True).pk for _ in range(n)]


def later(extra: timedelta = timedelta()):
    """The clock once the sweep may take the rows recorded now, and ``extra`` after that."""
    return clock.frozen_at(clock.now() + feed.SWEEP_AFTER + timedelta(seconds=1) + extra)


def lapsed(claims: int) -> timedelta:
    """Time enough for ``claims`` claims taken one after the other to lapse."""
    return (feed.CLAIM_FOR + timedelta(seconds=1)) * claims


@pytest.mark.django_db
def test_right_after_commit_both_wallets_get_the_change_and_its_row_is_gone(
    program, apple, google, django_capture_on_commit_callbacks
):
    card_ids = held_cards(program, 2)

    with django_capture_on_commit_callbacks(execute=True):
        cards_touch(card_ids=card_ids)
        assert CardChange.objects.count() == 2 and apple.handed == []  # recorded with the change, handed after

    assert sorted(apple.handed) == sorted(google.handed) == sorted(card_ids)
    assert not CardChange.objects.exists()


@pytest.mark.django_db
def test_the_sweep_leaves_changes_younger_than_a_minute_to_their_hook(program, apple, google):
    [card_id] = held_cards(program, 1)
    with transaction.atomic():
        cards_touch(card_ids=[card_id])  # recorded; this test case's transaction never runs the hook

    with clock.frozen_at(clock.now() + feed.SWEEP_AFTER - timedelta(seconds=5)):
        assert feed.changes_sweep().handed_over == 0
    with later():
        assert feed.changes_sweep().handed_over == 1

    assert apple.handed == google.handed == [card_id]
    assert not CardChange.objects.exists()


@pytest.mark.django_db
def test_a_wallet_that_cannot_queue_keeps_the_change_until_its_claim_lapses(program, apple, google, caplog):
    [card_id] = held_cards(program, 1)
    with transaction.atomic():
        cards_touch(card_ids=[card_id])
    google.down = True

    with later():
        first = feed.changes_sweep()
        assert "could not queue Google Wallet patches" in caplog.text
        assert feed.changes_sweep().handed_over == 0  # still claimed by the first attempt
    google.down = False
    with later(lapsed(1)):
        second = feed.changes_sweep()

    assert (first.left, second.handed_over) == (1, 1)
    assert apple.handed == [card_id, card_id]  # at least once: Apple ignores what it already pushed
    assert google.handed == [card_id]
    assert not CardChange.objects.exists()


@pytest.mark.django_db
def test_a_change_no_wallet_can_take_is_dropped_after_the_last_attempt(program, apple, google, caplog):
    [card_id] = held_cards(program, 1)
    with transaction.atomic():
        cards_touch(card_ids=[card_id])
    apple.down = True

    for attempt in range(feed.MAX_ATTEMPTS):
        with later(lapsed(attempt)):
            report = feed.changes_sweep()

    assert report.dropped == 1 and not CardChange.objects.exists()
    assert "giving up handing 1 card changes" in caplog.text
    assert len(google.handed) == feed.MAX_ATTEMPTS


@pytest.mark.django_db
def test_a_claimed_change_is_not_handed_over_by_the_hook_of_a_later_commit(program, apple, google):
    [card_id] = held_cards(program, 1)
    with transaction.atomic():
        cards_touch(card_ids=[card_id])
    with later():
        [claimed] = locks.card_changes_claim(recorded_before=clock.now(), claim_for=feed.CLAIM_FOR)

        report = feed.cards_committed([card_id])

    assert claimed.card_id == card_id and claimed.attempts == 1
    assert report.handed_over == 0 and apple.handed == []


def test_the_beat_runs_the_sweep_every_minute():
    [sweep] = [item for item in SCHEDULE if item.task == "stampcard.wallet.tasks.wallet_changes_sweep"]
    assert sweep.every == timedelta(minutes=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_workers_sweeping_at_once_hand_each_change_over_once(program, apple, google, monkeypatch):
    card_ids = held_cards(program, 60)
    with monkeypatch.context() as crash:  # committed by processes that died before their hooks ran
        crash.setattr(changes, "follower", None)
        with transaction.atomic():
            cards_touch(card_ids=card_ids)
    assert CardChange.objects.count() == 60
    monkeypatch.setattr(feed, "BATCH", 5)  # small claims: the workers meet on the table for many rounds

    with later():
        outcomes = run_concurrently(lambda _: feed.changes_sweep().handed_over, n=8)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sum(o.value for o in outcomes) == 60
    assert sorted(apple.handed) == sorted(google.handed) == sorted(card_ids)  # each once
    assert not CardChange.objects.exists()
