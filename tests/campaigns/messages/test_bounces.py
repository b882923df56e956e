"""Bounces: a refusal during sending and a DSN that comes back later both mark the email bounced; a hard one stops
marketing email to that address. The DSN reaches us the way a mail server hands it over: piped to
``manage.py messages_bounce``."""

import io
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from stampcard.campaigns.messages import bounces, sender
from stampcard.campaigns.messages.models import DeliveryState, EmailBounce, MessageDelivery
from tests.campaigns.messages.conftest import holder, message_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def dsn(*, message_id: str, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464), quoting the returned email's headers."""
    return f"""From: MAILER-DAEMON@mx.example.com (Mail Delivery System)
To: noreply@stampcard.test
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

--B0UND
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B0UND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com
Arrival-Date: Sat,  5 Dec 2026 17:30:00 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected:
    User unknown in virtual mailbox table

--B0UND
Content-Type: text/rfc822-headers

From: Kava <noreply@stampcard.test>
To: {recipient}
Subject: Autumn menu
Message-ID: {message_id}

--B0UND--
""".replace("\n", "\r\n").encode()


def sent_to(smtp_server, program, address: str, **kwargs):
    card = holder(program, email=address)
    message = message_to([card], merchant=program.merchant, **kwargs)
    sender.message_send(message_id=message.pk)
    (received,) = smtp_server.to(address)
    return card, MessageDelivery.objects.get(message=message), received.message["Message-ID"]


def pipe(monkeypatch, raw: bytes, capsys) -> str:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    call_command("messages_bounce")
    return capsys.readouterr().out


def test_a_hard_bounce_piped_from_the_mail_server_marks_the_email_and_stops_marketing_to_the_address(
    smtp_server, program, monkeypatch, capsys
):
    # given: an email went out and the server took it
    card, delivery, message_id = sent_to(smtp_server, program, "olena@example.com")
    assert delivery.state == DeliveryState.SENT

    # when: its DSN comes back, piped to the command
    out = pipe(monkeypatch, dsn(message_id=message_id, recipient="olena@example.com"), capsys)

    # then: the delivery is a bounce and the address is no longer mailed marketing
    assert f"delivery {delivery.pk}: bounced (marketing email to the address stopped)" in out
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reason) == (DeliveryState.FAILED, "bounced")
    assert delivery.last_error.startswith("DSN 5.1.1")
    assert EmailBounce.objects.get().address_hash == bounces.address_hash("Olena@Example.com")
    marketing = message_to([card], merchant=program.merchant)
    sender.message_send(message_id=marketing.pk)
    skipped = MessageDelivery.objects.get(message=marketing)
    assert (skipped.state, skipped.reason) == (DeliveryState.SKIPPED, "address_bounced")
    service = message_to([card], merchant=program.merchant, is_marketing=False)
    sender.message_send(message_id=service.pk)
    assert MessageDelivery.objects.get(message=service).state == DeliveryState.SENT

    # and the same DSN again changes nothing more
    assert "already_recorded" in pipe(monkeypatch, dsn(message_id=message_id, recipient="olena@example.com"), capsys)
    assert EmailBounce.objects.count() == 1


def test_a_soft_bounce_marks_the_email_but_the_address_stays_and_a_delay_changes_nothing(
    smtp_server, program, tmp_path, capsys
):
    card, full, full_id = sent_to(smtp_server, program, "full@example.com")
    _card, slow, slow_id = sent_to(smtp_server, program, "slow@example.com")
    (tmp_path / "full.eml").write_bytes(dsn(message_id=full_id, recipient="full@example.com", status="4.2.2"))
    (tmp_path / "slow.eml").write_bytes(
        dsn(message_id=slow_id, recipient="slow@example.com", status="4.4.1", action="delayed")
    )

    call_command("messages_bounce", "--file", str(tmp_path / "full.eml"))
    call_command("messages_bounce", "--file", str(tmp_path / "slow.eml"))

    full.refresh_from_db()
    slow.refresh_from_db()
    assert (full.state, full.reason, slow.state) == (DeliveryState.FAILED, "bounced", DeliveryState.SENT)
    assert not EmailBounce.objects.exists()
    assert "not_failed" in capsys.readouterr().out


def test_a_dsn_is_believed_only_for_the_email_it_names_and_that_emails_own_address(smtp_server, program):
    _card, delivery, message_id = sent_to(smtp_server, program, "olena@example.com")
    forged_address = dsn(message_id=message_id, recipient="someone-else@example.com")
    not_ours = dsn(message_id="<abc@elsewhere.example>", recipient="olena@example.com")
    plain = EmailMessage()
    plain.set_content("Out of office")

    results = [bounces.dsn_record(raw) for raw in (forged_address, not_ours, plain.as_bytes())]

    assert [[r.code for r in each] for each in results] == [["unknown_delivery"], ["unknown_delivery"], []]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and not EmailBounce.objects.exists()


def test_a_refusal_during_sending_is_a_hard_bounce_too(smtp_server, program):
    smtp_server.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    card = holder(program, email="gone@example.com")
    first = message_to([card], merchant=program.merchant)
    sender.message_send(message_id=first.pk)
    assert MessageDelivery.objects.get(message=first).reason == "bounced"

    del smtp_server.handler.refuse["gone@example.com"]
    second = message_to([card], merchant=program.merchant)
    sender.message_send(message_id=second.pk)

    assert MessageDelivery.objects.get(message=second).reason == "address_bounced"
    assert smtp_server.to("gone@example.com") == []
