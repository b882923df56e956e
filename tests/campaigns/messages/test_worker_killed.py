"""A real worker process SIGKILLed halfway through a message: another worker and the sweep finish it, and every
recipient gets the email, none twice under two ids (PostgreSQL, real processes, a real SMTP server)."""

import collections
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from stampcard.campaigns.messages import tasks
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery, MessageState
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from tests.campaigns.messages.conftest import holder, message_to

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
WAIT = 90  # seconds; a bound on a hang, not a timing the test depends on
RECIPIENTS = 300


def until(predicate, what: str, *, every: float = 0.05, wait: float = WAIT):
    deadline = time.monotonic() + wait
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
    return value


def start_worker(worker_id: str, smtp_port: int, settings) -> subprocess.Popen:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "TASKS_", "STAMPCARD_"))}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        SECRET_KEY=settings.SECRET_KEY,  # the unsubscribe links are signed with it
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        DEFAULT_FROM_EMAIL=settings.DEFAULT_FROM_EMAIL,
        TASKS_WORKER_HEARTBEAT_SECONDS="0.2",
        TASKS_WORKER_TIMEOUT_SECONDS="2",
        STAMPCARD_MESSAGES_CLAIM_SECONDS="3",  # the dead worker's batch is free again soon after it died
    )
    return subprocess.Popen(
        [sys.executable, "-m", "stampcard.cli", "worker", "--no-startup-delay", "--interval", "0.1",
         "--worker-id", worker_id, "--no-reload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_worker_killed_halfway_leaves_the_rest_to_the_next_and_each_recipient_gets_one_email(
    smtp_server, program, settings
):
    # given: a message to 300 customers, queued; a slow SMTP server so that the kill lands mid-way
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    smtp_server.handler.delay = 0.01
    addresses = [f"c{i}@example.com" for i in range(RECIPIENTS)]
    message = message_to([holder(program, email=address) for address in addresses], merchant=program.merchant)
    first = start_worker("first", smtp_server.port, settings)
    second = None
    try:
        # (not at a batch's end: the kill lands among a batch's sends, before the batch's ledger lines)
        until(lambda: len(smtp_server.received) >= RECIPIENTS // 3 + 17, "a third of the emails")

        # when: the worker is killed outright, and another starts
        first.send_signal(signal.SIGKILL)
        first.wait(WAIT)
        killed_at = len(smtp_server.received)
        assert killed_at < RECIPIENTS, "the first worker finished before it was killed"
        second = start_worker("second", smtp_server.port, settings)

        # then: the second takes over the dead worker's task; the sweep (the beat's minutely task) queues a round
        # for what the dead round had claimed, once its claim lapsed
        def finished() -> bool:
            with clock.frozen_at(clock.now() + tasks.STALLED_AFTER + timedelta(seconds=1)):
                tasks.messages_resume.call()
            return Message.objects.get(pk=message.pk).state == MessageState.DONE

        until(finished, "the message to be sent to everyone", every=1)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(WAIT)

    received = smtp_server.received
    per_address = collections.Counter(each.to for each in received)
    assert set(per_address) == set(addresses)
    ids = collections.Counter(each.message["Message-ID"] for each in received)
    assert len(ids) == RECIPIENTS  # one id per recipient, whoever sent it
    # At most the one email the killed worker had handed to the server but not yet recorded arrives again, with the
    # same Message-ID (a receiving system drops it).
    assert len(received) - RECIPIENTS <= 1
    assert set(MessageDelivery.objects.filter(message=message).values_list("state", flat=True)) == {DeliveryState.SENT}
    # and each card has the message's ledger line once: those the killed round sent but had not written yet too
    lines = CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT, payload__message_id=str(message.pk))
    per_card = collections.Counter(lines.values_list("card_id", flat=True))
    assert len(per_card) == RECIPIENTS and set(per_card.values()) == {1}
