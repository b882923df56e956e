"""Messages by email, received by a real SMTP server: who gets them, what they carry, what a refusal records."""

from pathlib import Path

import pytest
from django.conf import settings

from stampcard.campaigns.messages import selectors, sender, services
from stampcard.campaigns.messages.language import recipient_language
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery, MessageState
from stampcard.cards import journal
from stampcard.cards.models import CardEvent, EventKind
from tests.campaigns.messages.conftest import holder, message_to
from tests.factories import CardFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def test_only_customers_with_consent_and_an_email_receive_a_marketing_email(smtp_server, program):
    # given
    olena = holder(program, email="olena@example.com")
    without_consent = holder(program, email="taras@example.com", consent=False)
    without_email = holder(program)
    message = message_to([olena, without_consent, without_email], merchant=program.merchant)

    # when
    report = sender.message_send(message_id=message.pk)

    # then
    assert [each.recipients for each in smtp_server.received] == [["olena@example.com"]]
    assert (report.sent, report.skipped) == (1, 2)
    progress = selectors.message_progress(merchant=program.merchant, message_id=message.pk)
    assert (progress.sent, progress.skipped, progress.pending, progress.failed) == (1, 2, 0, 0)
    assert progress.reasons == {"no_consent": 1, "no_email": 1}
    message.refresh_from_db()
    assert message.state == MessageState.DONE and message.finished_at is not None


def test_the_email_has_both_parts_the_branding_and_one_click_unsubscribe_headers(smtp_server, merchant):
    # given
    program = ProgramFactory(merchant=merchant, background_color="#7c2d12", label_color="#fde68a")
    card = holder(program, email="olena@example.com")
    merchant.name, merchant.locale = "Kava & Co", "en"
    merchant.save()
    message = message_to([card], merchant=merchant)

    # when
    sender.message_send(message_id=message.pk)

    # then
    (received,) = smtp_server.received
    mail = received.message
    assert mail["Subject"] == "Autumn menu"
    (sender_address,) = mail["From"].addresses
    assert (sender_address.display_name, sender_address.addr_spec) == ("Kava & Co", "noreply@stampcard.test")
    link = mail["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith(f"{settings.BASE_URL}/m/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = MessageDelivery.objects.get(message=message)
    assert mail["Message-ID"] == f"<m{message.pk.hex}.d{delivery.pk}@stampcard.test>"
    text, html = received.part("text/plain").replace("\r\n", "\n"), received.part("text/html")
    assert "Pumpkin latte is back.\nCome by!" in text and link in text
    assert "Pumpkin latte is back.<br>Come by!" in html
    assert "#7c2d12" in html and "#fde68a" in html and "Kava &amp; Co" in html
    assert f'href="{link}"' in html


def test_the_text_is_chosen_by_the_recipients_language(smtp_server, program):
    # given: a Ukrainian merchant; one customer who reads Ukrainian, one who joined in English
    program.merchant.locale = "uk"
    program.merchant.save()
    ukrainian = holder(program, email="olena@example.com")
    ukrainian.customer.language = "uk"
    ukrainian.customer.save(update_fields=["language"])
    english = holder(program, email="john@example.com")
    english.customer.language = "en"
    message = message_to([ukrainian], merchant=program.merchant)

    # when
    sender.message_send(message_id=message.pk)

    # then
    (received,) = smtp_server.received
    assert received.message["Subject"] == "Осіннє меню"
    assert received.message["Content-Language"] == "uk"
    assert recipient_language(customer=english.customer) == "en"
    assert recipient_language(customer=ukrainian.customer) == "uk"


def test_a_sent_email_is_recorded_in_the_cards_ledger(smtp_server, program):
    card = holder(program, email="olena@example.com")
    message = message_to([card], merchant=program.merchant)

    sender.message_send(message_id=message.pk)

    (line,) = CardEvent.objects.filter(card=card, kind=EventKind.MESSAGE_SENT)
    assert line.delta == 0
    assert line.payload == {"message": "campaign", "by": "email", "message_id": str(message.pk)}
    assert journal.event_details(line) == "a campaign message"  # what the panel's journal says of it


def test_a_recipient_the_server_refuses_fails_while_the_others_are_sent(smtp_server, program):
    # given
    smtp_server.handler.refuse["gone@example.com"] = "550 5.1.1 No such user here"
    cards = [holder(program, email=f"{name}@example.com") for name in ("olena", "gone", "taras")]
    message = message_to(cards, merchant=program.merchant)

    # when
    report = sender.message_send(message_id=message.pk)

    # then
    assert sorted(each.to for each in smtp_server.received) == ["olena@example.com", "taras@example.com"]
    assert (report.sent, report.failed) == (2, 1)
    refused = MessageDelivery.objects.get(message=message, address="gone@example.com")
    assert (refused.state, refused.reason, refused.attempts) == (DeliveryState.FAILED, "bounced", 1)
    assert "550" in refused.last_error
    assert not CardEvent.objects.filter(card=refused.card, kind=EventKind.MESSAGE_SENT).exists()


def test_sending_twice_sends_once(smtp_server, program):
    # given: the same audience added twice, and a customer with a card in two programs
    olena = holder(program, email="olena@example.com")
    second_card = CardFactory(
        program=ProgramFactory(merchant=program.merchant, name="Pastry", is_default=False), customer=olena.customer
    )
    taras = holder(program, email="taras@example.com")
    message = message_to([olena, taras], merchant=program.merchant)
    assert services.message_recipients_add(message=message, cards=[olena, taras, second_card]) == 0

    # when
    first = sender.message_send(message_id=message.pk)
    second = sender.message_send(message_id=message.pk)

    # then
    assert sorted(each.to for each in smtp_server.received) == ["olena@example.com", "taras@example.com"]
    assert (first.sent, second.sent) == (2, 0)
    assert CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT).count() == 2


def test_another_merchants_cards_are_not_added(program):
    stranger = holder(ProgramFactory(), email="stranger@example.com")
    message = message_to([stranger], merchant=program.merchant)

    assert not MessageDelivery.objects.filter(message=message).exists()


def test_a_cancelled_message_sends_nothing_more(smtp_server, program):
    message = message_to([holder(program, email="olena@example.com")], merchant=program.merchant)

    assert services.message_cancel(message=message) == 1
    sender.message_send(message_id=message.pk)

    assert smtp_server.received == []
    assert MessageDelivery.objects.get(message=message).reason == "cancelled"


def test_a_template_key_is_rendered_for_each_recipient(smtp_server, program, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}
    ]
    card = holder(program, email="olena@example.com", name="Olena")
    message = message_to([card], merchant=program.merchant, parts={}, template_key="hello")

    sender.message_send(message_id=message.pk)

    (received,) = smtp_server.received
    assert received.message["Subject"] == "Hello, Olena"
    assert f"Olena, your card {card.number} at {program.merchant.name} has 0 stamps." in received.part("text/plain")


def test_a_service_message_goes_without_consent_and_without_unsubscribe_headers(smtp_server, program):
    card = holder(program, email="olena@example.com", consent=False)
    message = message_to([card], merchant=program.merchant, is_marketing=False)

    sender.message_send(message_id=message.pk)

    (received,) = smtp_server.received
    assert received.message["List-Unsubscribe"] is None
    assert "/m/unsubscribe/" not in received.part("text/plain")


def test_an_address_that_cannot_be_used_fails_that_delivery_only(smtp_server, program):
    broken = holder(program, email="olena@exa\nmple.com")
    fine = holder(program, email="taras@example.com")
    message = message_to([broken, fine], merchant=program.merchant)

    report = sender.message_send(message_id=message.pk)

    assert (report.sent, report.failed) == (1, 1)
    assert MessageDelivery.objects.get(card=broken).reason == "bad_address"


def test_html_written_by_staff_keeps_its_formatting_and_loses_anything_that_runs_loads_or_submits(smtp_server, program):
    # given: a part whose HTML carries a script, an event handler, a tracking pixel, a form and a disguised link
    written = (
        "<p>Tom &amp; Jerry's <b>latte</b></p><script>steal(document.cookie)</script>"
        '<img src="https://tracker.example/p.gif" onerror="alert(1)"><form action="https://evil.example">'
        '<a href="javascript:alert(2)">Click</a><scr<script>ipt>alert(3)</script></form>'
        '<p><a href="https://cafe.example/menu" onclick="alert(4)">Menu</a></p>'
    )
    parts = {"en": {"subject": "News", "text": "Plain text", "html": written}}
    card = holder(program, email="olena@example.com", language="en")
    message = message_to([card], merchant=program.merchant, parts=parts)

    # when
    sender.message_send(message_id=message.pk)

    # then: the words and their formatting are there, a plain link stays; no script, image, form or handler does
    (received,) = smtp_server.received
    html = received.part("text/html")
    assert "<p>Tom &amp; Jerry's <b>latte</b></p>" in html
    assert '<a href="https://cafe.example/menu" rel="noopener noreferrer">Menu</a>' in html
    for markup in ("<script", "<img", "onerror", "onclick", "<form", "javascript:", "tracker.example", "steal("):
        assert markup not in html
    assert "Click" in html, html
