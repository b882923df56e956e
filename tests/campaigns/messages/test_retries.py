"""SMTP failures: retried with backoff while they may pass, failed when they cannot; never crashing a round."""

import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from stampcard.campaigns.messages import locks, sender, services, tasks
from stampcard.campaigns.messages.models import DeliveryState, Message, MessageDelivery, MessageState
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from tests.campaigns.messages.conftest import PARTS, holder, message_to
from tests.campaigns.messages.smtp import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def test_a_server_that_cannot_be_reached_is_retried_with_backoff_then_the_delivery_fails(settings, program):
    # given: nothing listens on the port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", free_port(), False
    cards = [holder(program, email=f"c{i}@example.com") for i in range(3)]
    message = message_to(cards, merchant=program.merchant)
    start = timezone.now()

    # when: the first round
    with clock.frozen_at(start):
        report = sender.message_send(message_id=message.pk)

    # then: every delivery waits a minute for its next attempt; the round itself went through
    assert (report.retrying, report.sent, report.failed) == (3, 0, 0)
    waiting = list(MessageDelivery.objects.filter(message=message))
    assert {(d.state, d.attempts, d.reason, d.next_attempt_at) for d in waiting} == {
        (DeliveryState.PENDING, 1, "smtp_error", start + sender.RETRY_DELAYS[0])
    }
    assert all("Connection refused" in d.last_error or "ConnectionRefused" in d.last_error for d in waiting)

    # when: rounds at each retry time
    at = start
    for delay in sender.RETRY_DELAYS:
        with clock.frozen_at(at + delay - timedelta(seconds=1)):
            assert sender.message_send(message_id=message.pk).batches == 0  # not due yet
        at += delay
        with clock.frozen_at(at):
            sender.message_send(message_id=message.pk)

    # then
    failed = list(MessageDelivery.objects.filter(message=message))
    assert {(d.state, d.attempts, d.reason) for d in failed} == {
        (DeliveryState.FAILED, sender.MAX_ATTEMPTS, "smtp_error")
    }
    message.refresh_from_db()
    assert message.state == MessageState.DONE


def test_a_temporary_refusal_is_retried_and_then_sent(smtp_server, program):
    smtp_server.handler.refuse["busy@example.com"] = "451 4.3.0 Mailbox busy, try later"
    card = holder(program, email="busy@example.com")
    message = message_to([card], merchant=program.merchant)
    start = timezone.now()
    with clock.frozen_at(start):
        sender.message_send(message_id=message.pk)
    delivery = MessageDelivery.objects.get(message=message)
    assert (delivery.state, delivery.attempts, delivery.reason) == (DeliveryState.PENDING, 1, "smtp_error")

    del smtp_server.handler.refuse["busy@example.com"]
    with clock.frozen_at(start + sender.RETRY_DELAYS[0]):
        sender.message_send(message_id=message.pk)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.reason) == (DeliveryState.SENT, 2, "")
    assert [each.to for each in smtp_server.received] == ["busy@example.com"]


def test_a_permanent_refusal_of_the_message_fails_it_at_once(smtp_server, program, monkeypatch):
    card = holder(program, email="olena@example.com")
    message = message_to([card], merchant=program.merchant)
    outcome, broken = sender.outcome_of(smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam"))
    assert (outcome.permanent, outcome.reason, broken) == (True, "smtp_error", False)
    outcome, broken = sender.outcome_of(smtplib.SMTPServerDisconnected("gone"))
    assert (outcome.permanent, broken) == (False, True)

    original = smtplib.SMTP.sendmail

    def reject(self, *args, **kwargs):
        raise smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam")

    monkeypatch.setattr(smtplib.SMTP, "sendmail", reject)
    sender.message_send(message_id=message.pk)
    monkeypatch.setattr(smtplib.SMTP, "sendmail", original)

    delivery = MessageDelivery.objects.get(message=message)
    assert (delivery.state, delivery.reason, delivery.attempts) == (DeliveryState.FAILED, "smtp_error", 1)


def test_the_sweep_resumes_a_message_whose_worker_died_mid_batch(smtp_server, program, settings):
    # given: a round claimed a batch and died before sending it
    cards = [holder(program, email=f"c{i}@example.com") for i in range(5)]
    message = message_to(cards, merchant=program.merchant)
    start = timezone.now()
    with clock.frozen_at(start):
        assert (
            len(locks.deliveries_claim(message_id=message.pk, now=start, claim_for=timedelta(minutes=10), limit=3)) == 3
        )
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    # when: the sweep runs while the claim holds, then after it lapsed
    with clock.frozen_at(start + tasks.STALLED_AFTER + timedelta(seconds=1)):
        assert tasks.messages_resume.call() == 1  # the two unclaimed ones were due: sent by the queued round
    assert len(smtp_server.received) == 2
    with clock.frozen_at(start + timedelta(minutes=10) + tasks.STALLED_AFTER):
        assert tasks.messages_resume.call() == 1

    # then: each recipient once
    assert sorted(each.to for each in smtp_server.received) == [f"c{i}@example.com" for i in range(5)]
    assert Message.objects.get(pk=message.pk).state == MessageState.DONE


def test_sending_starts_only_after_the_transaction_commits(
    smtp_server, program, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    card = holder(program, email="olena@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.message_create(actor=Actor.system(program.merchant), channels=["email"], parts=PARTS)
        services.message_recipients_add(message=message, cards=[card])
        services.message_send_start(message=message)
        assert smtp_server.received == []  # not inside the transaction

    assert len(callbacks) == 1
    assert [each.to for each in smtp_server.received] == ["olena@example.com"]
