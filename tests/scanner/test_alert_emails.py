"""Alert emails: owners and managers who opted in get one email per batch of new alerts, each alert once per
recipient whatever the retries or the number of workers, in their own language and only about what they may see."""

import smtplib
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core import mail

from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from stampcard.scanner import notices
from stampcard.scanner.models import AbuseAlert, AbuseAlertNotice, AlertKind
from stampcard.scanner.tasks import scanner_alert_emails_send
from tests.factories import CardFactory, LocationFactory
from tests.scanner.conftest import staff_member


def alert_raise(card, *, location=None, day=date(2027, 1, 15), raised_at=None) -> AbuseAlert:
    return AbuseAlert.objects.create(
        merchant=card.merchant,
        kind=AlertKind.UNUSUAL_ACTIVITY,
        card=card,
        day=day,
        location=location,
        details={"stamp_operations": 9, "threshold": 6, "channels": {"kiosk": 9}},
        raised_at=raised_at or clock.now(),
    )


def opted_in(merchant, role=Role.MANAGER, **kwargs):
    """An opted-in staff member who reads English (else the email follows the merchant's language)."""
    membership = staff_member(merchant, role, **kwargs)
    membership.alert_emails = True
    membership.save(update_fields=["alert_emails"])
    membership.user.language = "en"
    membership.user.save(update_fields=["language"])
    return membership


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
class TestAlertEmails:
    def test_opted_in_owners_and_managers_get_one_email_listing_the_new_alerts(self, merchant, program, location):
        owner = opted_in(merchant, Role.OWNER, email="owner@example.com")
        manager = opted_in(merchant, Role.MANAGER, email="manager@example.com")
        staff_member(merchant, Role.MANAGER, email="quiet@example.com")  # not opted in
        cashier = staff_member(merchant, Role.CASHIER, email="cashier@example.com")
        cashier.alert_emails = True  # set by hand: cashiers are never offered it, and never mailed
        cashier.save()
        first, second = CardFactory(program=program), CardFactory(program=program)
        alert_raise(first, location=location)
        alert_raise(second)

        result = scanner_alert_emails_send.call()

        assert result == {"queued": 4, "emails": 2, "alerts": 4}
        assert recipients() == [manager.user.email, owner.user.email]
        message = mail.outbox[0]
        assert f"{merchant.name}: 2 suspicious activity alerts" == message.subject
        assert first.number in message.body and second.number in message.body
        assert "9 stampings that day, more than the 6 a day you allow." in message.body
        assert "/panel/alerts/" in message.body

    def test_running_again_sends_nothing_and_a_new_alert_is_sent_alone(self, merchant, program):
        opted_in(merchant)
        old = alert_raise(CardFactory(program=program))
        notices.alert_emails_send()
        notices.alert_emails_send()
        assert len(mail.outbox) == 1

        new = alert_raise(CardFactory(program=program))
        notices.alert_emails_send()

        assert len(mail.outbox) == 2
        assert new.card.number in mail.outbox[1].body and old.card.number not in mail.outbox[1].body
        assert AbuseAlertNotice.objects.filter(sent_at__isnull=False).count() == 2

    def test_the_email_is_in_the_staff_members_language(self, merchant, program):
        membership = opted_in(merchant)
        membership.user.language = "uk"
        membership.user.save()
        alert_raise(CardFactory(program=program))

        notices.alert_emails_send()

        assert mail.outbox[0].body.startswith("Вітаємо!")

    def test_a_manager_limited_to_a_location_hears_only_of_its_alerts(self, merchant, program, location):
        elsewhere = LocationFactory(merchant=merchant)
        opted_in(merchant, locations=[location])
        here = alert_raise(CardFactory(program=program), location=location)
        there = alert_raise(CardFactory(program=program), location=elsewhere)

        notices.alert_emails_send()

        (message,) = mail.outbox
        assert here.card.number in message.body and there.card.number not in message.body

    def test_reviewed_and_old_alerts_are_not_emailed(self, merchant, program):
        opted_in(merchant)
        reviewed = alert_raise(CardFactory(program=program))
        reviewed.reviewed_at = clock.now()
        reviewed.save()
        alert_raise(CardFactory(program=program), raised_at=clock.now() - timedelta(days=2))

        notices.alert_emails_send()

        assert mail.outbox == []

    def test_a_failed_send_is_retried_on_the_next_run(self, merchant, program):
        opted_in(merchant)
        alert = alert_raise(CardFactory(program=program))
        with mock.patch("stampcard.scanner.notices.send_mail", side_effect=smtplib.SMTPServerDisconnected("down")):
            assert notices.alert_emails_send().emails == 0

        notices.alert_emails_send()

        (message,) = mail.outbox
        assert alert.card.number in message.body

    def test_a_claim_held_by_a_worker_that_died_is_taken_over_after_its_lease(self, merchant, program):
        opted_in(merchant)
        alert_raise(CardFactory(program=program))
        notices.notices_queue(now=clock.now())
        notices.notices_claim(now=clock.now())  # a worker claimed, then died before sending

        assert notices.alert_emails_send().emails == 0
        assert notices.alert_emails_send(now=clock.now() + notices.LEASE + timedelta(seconds=1)).emails == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_email_each_recipient_each_alert_once(merchant, program):
    managers = [opted_in(merchant, email=f"m{i}@example.com") for i in range(3)]
    for _ in range(5):
        alert_raise(CardFactory(program=program))

    outcomes = run_concurrently(lambda i: notices.alert_emails_send(), n=4)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert sum(o.value.alerts for o in outcomes) == 15
    assert AbuseAlertNotice.objects.count() == 15 and not AbuseAlertNotice.objects.filter(sent_at=None).exists()
    for membership in managers:
        bodies = "".join(m.body for m in mail.outbox if m.to == [membership.user.email])
        assert all(bodies.count(alert.card.number) == 1 for alert in AbuseAlert.objects.all())
