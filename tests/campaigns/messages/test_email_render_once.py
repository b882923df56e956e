"""A campaign's email is rendered once per (language, program) in a round and filled for each recipient; a batch's
ledger lines are written together after it. What the recipients get must be what an email built for each alone would
be, and a round killed between its sends and its ledger lines must leave no line missing and none twice."""

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.mail.message import sanitize_address

from stampcard.campaigns.messages import email as message_email
from stampcard.campaigns.messages import sender, unsubscribe
from stampcard.campaigns.messages import services as messages_services
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery, MessageState
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.core.validity import Validity
from stampcard.merchants.actors import Actor
from stampcard.vouchers import services as vouchers_services
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.presenters import voucher_urls
from stampcard.vouchers.states import VoucherState
from tests.campaigns.messages.conftest import PARTS, holder, message_to
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_queue")]


def reader(program, address: str, language: str):
    card = holder(program, email=address)
    card.customer.language = language
    card.customer.save(update_fields=["language"])
    return card


def built_alone(delivery: MessageDelivery) -> email.message.EmailMessage:
    """The email of ``delivery`` as ``email_build`` makes it for that one recipient, parsed as the server parses."""
    related = MessageDelivery.objects.select_related("customer", "card__program", "merchant", "message")
    delivery = related.get(pk=delivery.pk)
    raw = message_email.email_build(message=delivery.message, delivery=delivery, lang=delivery.language).message()
    return email.message_from_bytes(raw.as_bytes(linesep="\r\n"), policy=email.policy.default)  # type: ignore[return-value]


def test_two_languages_in_one_batch_each_get_their_own_text_and_their_own_link(smtp_server, program):
    # given: English and Ukrainian readers taking turns in one batch, and a second program with its own colours
    other = ProgramFactory(merchant=program.merchant, is_default=False, name="Tea card", background_color="#123456")
    cards = [
        reader(program, "ann@example.com", "en"),
        reader(program, "olena@example.com", "uk"),
        reader(other, "bob@example.com", "en"),
        reader(program, "taras@example.com", "uk"),
        reader(program, "cy@example.com", "en"),
    ]
    message = message_to(cards, merchant=program.merchant)

    # when
    sender.message_send(message_id=message.pk)

    # then: each email is the one built for its recipient alone, but for the date and the link's signing time
    assert len(smtp_server.received) == 5
    for received in smtp_server.received:
        delivery = MessageDelivery.objects.get(message=message, address=received.to)
        expected, got = built_alone(delivery), received.message
        link, expected_link = got["List-Unsubscribe"].strip(" <>"), expected["List-Unsubscribe"].strip(" <>")
        assert unsubscribe.delivery_by_token(link.rsplit("/", 1)[1]).pk == delivery.pk
        for header in ("Subject", "From", "To", "Message-ID", "Content-Language"):
            assert got[header] == expected[header], (received.to, header)
        for kind in ("plain", "html"):
            part, alone = got.get_body(preferencelist=(kind,)), expected.get_body(preferencelist=(kind,))
            assert part is not None and alone is not None
            assert link in part.get_content()
            assert part.get_content() == alone.get_content().replace(expected_link, link), (received.to, kind)
        assert got["Date"]
    subjects = {received.to: received.message["Subject"] for received in smtp_server.received}
    assert subjects == {
        "ann@example.com": "Autumn menu",
        "olena@example.com": "Осіннє меню",
        "bob@example.com": "Autumn menu",
        "taras@example.com": "Осіннє меню",
        "cy@example.com": "Autumn menu",
    }
    bob = next(each for each in smtp_server.received if each.to == "bob@example.com")
    assert "#123456" in bob.part("text/html")


def test_an_address_the_email_package_must_encode_is_built_whole_and_still_sent(smtp_server, program):
    # given: an internationalised domain (IDNA), which the prepared bytes cannot carry as written
    card = reader(program, "olena@приклад.укр", "uk")
    message = message_to([card], merchant=program.merchant)

    # when
    sender.message_send(message_id=message.pk)

    # then: Django's backend encodes it, as it did before
    (received,) = smtp_server.received
    assert received.to == "olena@xn--80aikifvh.xn--j1amh"
    assert received.message["Subject"] == "Осіннє меню"


BOUNDARY = re.compile(rb"={15}\d+==")


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_filled_bytes_are_the_bytes_the_email_package_writes_for_that_email(program, language):
    # given: a recipient whose unsubscribe link is long enough to be folded onto a line of its own
    card = reader(program, "olena@example.com", language)
    message = message_to([card], merchant=program.merchant)
    delivery = MessageDelivery.objects.select_related("customer", "card__program", "merchant").get(message=message)
    delivery.address, delivery.language = card.customer.email, language

    # when
    filled = message_email.EmailTemplate(message=message, delivery=delivery, lang=language).fill(delivery)

    # then: byte for byte what Django and the email package make of the same email (but the random MIME boundary)
    assert filled.raw is not None
    whole = message_email.EmailMultiAlternatives.message(filled).as_bytes(linesep="\r\n")
    assert BOUNDARY.sub(b"BOUNDARY", filled.raw) == BOUNDARY.sub(b"BOUNDARY", whole)
    assert b"List-Unsubscribe: \r\n <http" in filled.raw  # the long link folded, as the package does


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an Exception: nothing catches it)."""


@pytest.mark.parametrize("resumed_by", ["the next round", "the sweep that finishes the message"])
def test_a_round_killed_between_its_sends_and_its_ledger_lines_loses_no_line_and_writes_none_twice(
    smtp_server, program, monkeypatch, resumed_by
):
    # given: a round whose batch is sent and recorded, killed before the batch's ledger lines are written
    cards = [reader(program, f"c{i}@example.com", "en") for i in range(4)]
    message = message_to(cards, merchant=program.merchant)
    write_lines = sender.ledger_note_sent

    def killed(**kwargs):
        raise Killed

    monkeypatch.setattr(sender, "ledger_note_sent", killed)
    with pytest.raises(Killed):
        sender.message_send(message_id=message.pk, batch=3)
    monkeypatch.setattr(sender, "ledger_note_sent", write_lines)
    sent = MessageDelivery.objects.filter(message=message, state=DeliveryState.SENT)
    assert sent.count() == 3 and len(smtp_server.received) == 3
    assert not CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT).exists()

    # when: the work resumes
    if resumed_by == "the next round":
        sender.message_send(message_id=message.pk)
    else:
        MessageDelivery.objects.filter(message=message, state=DeliveryState.PENDING).update(state=DeliveryState.SKIPPED)
        sender.message_finish_if_done(message.pk)
    sender.message_finish_if_done(message.pk)  # a second look writes nothing more

    # then: one line per card that got the email, whoever wrote it
    lines = CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT)
    got = sorted(lines.values_list("card_id", flat=True))
    emailed = sorted(
        MessageDelivery.objects.filter(message=message, state=DeliveryState.SENT).values_list("card_id", flat=True)
    )
    assert got == emailed and len(got) == (4 if resumed_by == "the next round" else 3)
    assert not MessageDelivery.objects.filter(message=message, state=DeliveryState.SENT, ledger_noted=False).exists()
    message.refresh_from_db()
    assert message.state == MessageState.DONE


def test_writing_a_batchs_lines_twice_writes_each_once(smtp_server, program):
    # given: a sent batch whose lines were written
    cards = [reader(program, f"c{i}@example.com", "en") for i in range(3)]
    message = message_to(cards, merchant=program.merchant)
    sender.message_send(message_id=message.pk)
    ids = list(MessageDelivery.objects.filter(message=message).values_list("pk", flat=True))

    # when: a catch-up that raced the batch comes second
    written = sender.ledger_note_sent(message=message, delivery_ids=ids, actor=sender._actor(message))

    # then
    assert written == 0
    assert CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT).count() == 3


def voucher_for(card, *, days: int | None = 30, title: str = "Free cookie"):
    (voucher,) = vouchers_services.voucher_issue(
        actor=Actor.system(card.merchant), card=card, title=title, validity=Validity(days=days) if days else None
    )
    return voucher


def test_recipients_with_and_without_vouchers_in_one_batch_each_get_the_email_built_for_them(
    smtp_server, program, monkeypatch
):
    # given: vouchers with and without an expiry, a cancelled one, and readers without any, in both languages
    cards = [reader(program, f"c{i}@example.com", "uk" if i % 2 else "en") for i in range(8)]
    given = {
        cards[0].pk: voucher_for(cards[0]),
        cards[1].pk: voucher_for(cards[1]),
        cards[2].pk: voucher_for(cards[2], title="Free tea"),
        cards[3].pk: voucher_for(cards[3], days=None),
        cards[6].pk: voucher_for(cards[6]),
    }
    Voucher.objects.filter(pk=given[cards[6].pk].pk).update(state=VoucherState.CANCELLED, cancelled_at=clock.now())
    message = messages_services.message_create(
        actor=Actor.system(program.merchant), channels=["email"], parts=PARTS, source="campaign"
    )
    messages_services.message_recipients_add(
        message=message, cards=cards, vouchers={card_id: voucher.pk for card_id, voucher in given.items()}
    )
    messages_services.message_send_start(message=message)

    filled = []
    send_over = message_email.PreparedEmail.send_over

    def recorded(self, connection):
        filled.append(self.raw is not None)
        return send_over(self, connection)

    monkeypatch.setattr(message_email.PreparedEmail, "send_over", recorded)

    # when
    sender.message_send(message_id=message.pk)

    # then: every email went as the round's rendering filled in (none built whole)...
    assert filled == [True] * 8
    # ... and each is the one built for its recipient alone (their own code and link), but for the date and the
    # unsubscribe link's signing time; a cancelled voucher is left out
    assert len(smtp_server.received) == 8
    for received in smtp_server.received:
        delivery = MessageDelivery.objects.get(message=message, address=received.to)
        expected, got = built_alone(delivery), received.message
        link, expected_link = got["List-Unsubscribe"].strip(" <>"), expected["List-Unsubscribe"].strip(" <>")
        voucher = given.get(delivery.card_id)
        for kind in ("plain", "html"):
            part, alone = got.get_body(preferencelist=(kind,)), expected.get_body(preferencelist=(kind,))
            assert part is not None and alone is not None
            content = part.get_content()
            assert content == alone.get_content().replace(expected_link, link), (received.to, kind)
            shown = voucher is not None and delivery.card_id != cards[6].pk
            assert (voucher is not None and format_code(voucher.code) in content) == shown, (received.to, kind)
            if shown:
                assert voucher_urls(voucher)["page"] in content
                assert voucher.title in content
    no_expiry = next(each for each in smtp_server.received if each.to == cards[3].customer.email)
    assert "Без терміну дії." in no_expiry.part("text/plain")


def test_a_ledger_line_written_after_its_batch_is_dated_when_the_email_was_sent(smtp_server, program, monkeypatch):
    # given: a round killed between its sends (at 10:00) and its batch's ledger lines
    cards = [reader(program, f"c{i}@example.com", "en") for i in range(2)]
    message = message_to(cards, merchant=program.merchant)
    write_lines = sender.ledger_note_sent

    def killed(**kwargs):
        raise Killed

    sent_at = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    monkeypatch.setattr(sender, "ledger_note_sent", killed)
    with clock.frozen_at(sent_at), pytest.raises(Killed):
        sender.message_send(message_id=message.pk)
    monkeypatch.setattr(sender, "ledger_note_sent", write_lines)

    # when: the lines are written by the next look, an hour later
    with clock.frozen_at(sent_at + timedelta(hours=1)):
        sender.message_finish_if_done(message.pk)

    # then: each line is dated when its email went
    lines = CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT)
    assert lines.count() == 2
    assert set(lines.values_list("created_at", flat=True)) == {sent_at}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("To", "c000001@bench.invalid"),
        ("Date", "Sat, 05 Dec 2026 23:22:05 -0000"),
        ("Message-ID", "<m0123456789abcdef0123456789abcdef.d123456@example.com>"),
        (
            "List-Unsubscribe",
            "<https://stampcard.example/m/unsubscribe/MTIz:1tUhqs:abcdefghijklmnopqrstuvwxyzABCDEFG/>",
        ),
        ("To", "x" * 80 + "@example.com"),
        ("Subject", "two  spaces"),
        ("Subject", " leading"),
        ("Subject", "Осіннє меню"),
    ],
)
def test_a_header_written_without_the_email_package_is_what_it_would_write(name, value):
    assert message_email.header_line(name, value) == message_email._FOLDING.fold_binary(name, value)


@pytest.mark.parametrize(
    "address",
    [
        "c000001@bench.invalid",
        "o'brien+news@Mail.Example.COM",
        "a.b-c_d@sub.example-shop.com",
        "a..b@example.com",
        ".a@example.com",
        "a@example..com",
        "a@[127.0.0.1]",
        '"quoted name"@example.com',
        "Ann <ann@example.com>",
        "olena@приклад.укр",
        "not an address",
    ],
)
def test_an_envelope_address_is_what_djangos_own_check_makes_of_it(address):
    try:
        expected = sanitize_address(address, "utf-8")
    except ValueError:
        with pytest.raises(ValueError):
            message_email.envelope_address(address)
        return
    assert message_email.envelope_address(address) == expected
