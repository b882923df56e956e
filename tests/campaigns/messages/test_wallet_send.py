# ruff: noqa: F811 - the wallet stand-ins' fixtures are imported here and used as arguments
"""The wallet channel of messages: each card's Apple pass (pushed over HTTP/2 TLS to the APNs stand-in, the text in a
field the phone announces) and Google object (``addMessage`` at the Google Wallet stand-in), in the customer's
language, recorded per delivery, retried while a wallet is unavailable, never twice to a wallet that took it."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from stampcard.campaigns.messages import sender, services, wallet
from stampcard.campaigns.messages.errors import MessageInvalid
from stampcard.campaigns.messages.models import DeliveryState, EmailUnsubscribe, Message, MessageDelivery, MessageState
from stampcard.campaigns.messages.selectors import message_progress
from stampcard.cards.models import CardEvent, EventKind
from stampcard.core import clock
from stampcard.merchants.actors import Actor
from stampcard.wallet.apple.models import AppleMessage, ApplePass
from stampcard.wallet.apple.services import apple_pass_ensure
from stampcard.wallet.google.models import GoogleMessage, GoogleNotification
from tests.factories import CardFactory, CustomerFactory, ProgramFactory
from tests.wallet.apple.conftest import (  # noqa: F401 - fixtures
    Device,
    _apple_settings,
    apns,
    apple_dir,
    device,
    other_device,
    unzip,
)
from tests.wallet.google.conftest import google, google_standin, service_account_file  # noqa: F401 - fixtures
from tests.wallet.google.helpers import object_of, save_link_token

pytestmark = pytest.mark.django_db(transaction=True)

PARTS = {
    "en": {"subject": "", "text": "Double stamps this Friday!", "html": ""},
    "uk": {"subject": "", "text": "Подвійні штампи цієї пʼятниці!", "html": ""},
}
WITH_SUBJECT = {lang: {**part, "subject": "News"} for lang, part in PARTS.items()}


@pytest.fixture(autouse=True)
def _rounds_when_the_test_says(_apple_settings, google, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def wallet_message(cards, *, merchant, parts=None, channels=("wallet",), **kwargs):
    message = services.message_create(
        actor=Actor.system(merchant),
        channels=list(channels),
        parts=PARTS if parts is None else parts,
        source="campaign",
        **kwargs,
    )
    services.message_recipients_add(message=message, cards=cards)
    return services.message_send_start(message=message)


def apple_holder(program, phone: Device, *, language: str = "uk", **customer):
    customer_row = CustomerFactory(merchant=program.merchant, language=language, **customer)
    card = CardFactory(program=program, customer=customer_row)
    apple_pass = apple_pass_ensure(card=card)
    assert phone.register(apple_pass).status_code == 201
    return card


def google_holder(program, *, language: str = "uk"):
    card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant, language=language))
    save_link_token(card)  # the save link inserts the object at Google
    return card


def pass_field(phone: Device, card) -> str:
    apple_pass = ApplePass.objects.get(card=card)
    data = json.loads(unzip(phone.fetch(apple_pass).content)["pass.json"])
    return next(f["value"] for f in data["storeCard"]["backFields"] if f["key"] == "message")


def added(google_stand_in, card) -> list[dict]:
    path = f"{object_of(card).object_id}/addMessage"
    return [r.body["message"] for r in google_stand_in.requests("POST", path_contains=path)]


def delivery_of(message, card) -> MessageDelivery:
    return MessageDelivery.objects.get(message=message, card=card, channel="wallet")


def test_each_wallet_gets_the_text_in_its_holders_language_and_a_card_in_no_wallet_is_skipped(
    apns,
    device,
    google,
    program,
):
    # given: an Apple holder reading Ukrainian, a Google holder reading English, a card in no wallet
    apple_card = apple_holder(program, device, language="uk")
    google_card = google_holder(program, language="en")
    bare = CardFactory(program=program)
    message = wallet_message([apple_card, google_card, bare], merchant=program.merchant)

    # when
    report = sender.message_send(message_id=message.pk)

    # then: Apple pushed, the pass field reads the Ukrainian text; Google got the English one, notifying
    assert (report.sent, report.skipped, report.failed, report.retrying) == (2, 1, 0, 0)
    assert len(apns.wait_for(device.push_token)) == 1
    assert pass_field(device, apple_card) == "Подвійні штампи цієї пʼятниці!"
    [sent] = added(google, google_card)
    assert (sent["body"], sent["messageType"]) == ("Double stamps this Friday!", "TEXT_AND_NOTIFY")
    apple_delivery, google_delivery = delivery_of(message, apple_card), delivery_of(message, google_card)
    assert (apple_delivery.state, apple_delivery.reason, apple_delivery.wallets) == ("sent", "", {"apple": "sent"})
    assert (apple_delivery.language, google_delivery.language) == ("uk", "en")
    assert google_delivery.wallets == {"google": "sent"}
    skipped = delivery_of(message, bare)
    assert (skipped.state, skipped.reason) == (DeliveryState.SKIPPED, "wallet_pass_missing")
    assert CardEvent.objects.filter(kind=EventKind.MESSAGE_SENT, card__in=[apple_card, google_card]).count() == 2
    message.refresh_from_db()
    assert message.state == MessageState.DONE


def test_a_google_pass_past_its_three_notifications_gets_the_message_silently(google, program):
    card = google_holder(program)
    for _ in range(3):  # three notifying updates earlier today
        GoogleNotification.objects.create(merchant=program.merchant, google_object=object_of(card), sent_at=clock.now())
    google.state.notifications[object_of(card).object_id] = [clock.now()] * 3
    message = wallet_message([card], merchant=program.merchant)

    sender.message_send(message_id=message.pk)

    delivery = delivery_of(message, card)
    assert (delivery.state, delivery.reason, delivery.wallets) == ("sent", "sent_silently", {"google": "sent_silently"})
    assert [m["messageType"] for m in added(google, card)] == ["TEXT"]
    assert message_progress(merchant=program.merchant, message_id=message.pk).reasons == {"sent_silently": 1}


def test_marketing_skips_who_unsubscribed_but_not_who_was_never_asked_and_service_messages_reach_both(
    apns,
    device,
    other_device,
    program,
):
    # given: one holder never gave an email (nor consent), one unsubscribed from our email
    never_asked = apple_holder(program, device)
    withdrew = apple_holder(program, other_device, email="olena@example.com")
    email_delivery = MessageDelivery.objects.create(
        merchant=program.merchant,
        message=wallet_message([], merchant=program.merchant, parts=WITH_SUBJECT, channels=("email",)),
        channel="email",
        card=withdrew,
        customer=withdrew.customer,
    )
    EmailUnsubscribe.objects.create(merchant=program.merchant, customer=withdrew.customer, delivery=email_delivery)

    # when: a marketing message, then a service one
    marketing = wallet_message([never_asked, withdrew], merchant=program.merchant)
    sender.message_send(message_id=marketing.pk)
    service = wallet_message([never_asked, withdrew], merchant=program.merchant, is_marketing=False)
    sender.message_send(message_id=service.pk)

    # then
    assert delivery_of(marketing, never_asked).state == DeliveryState.SENT
    skipped = delivery_of(marketing, withdrew)
    assert (skipped.state, skipped.reason) == (DeliveryState.SKIPPED, "unsubscribed")
    assert delivery_of(service, withdrew).state == DeliveryState.SENT
    assert len(apns.wait_for(other_device.push_token)) == 1


def test_apns_unavailable_is_retried_with_the_email_backoff_and_then_delivered(apns, device, program):
    card = apple_holder(program, device)
    apns.respond(device.push_token, 503, times=1)
    message = wallet_message([card], merchant=program.merchant)
    start = timezone.now()

    with clock.frozen_at(start):
        first = sender.message_send(message_id=message.pk)
    waiting = delivery_of(message, card)
    assert first.retrying == 1
    assert (waiting.state, waiting.attempts, waiting.reason) == ("pending", 1, "wallet_unavailable")
    assert waiting.next_attempt_at == start + sender.RETRY_DELAYS[0]

    with clock.frozen_at(start + sender.RETRY_DELAYS[0]):
        sender.message_send(message_id=message.pk)

    delivered = delivery_of(message, card)
    assert (delivered.state, delivered.attempts, delivered.reason) == ("sent", 2, "")
    assert AppleMessage.objects.count() == 1


def test_a_retry_after_one_wallet_failed_sends_only_to_the_other(apns, device, google, program):
    # given: a card in both wallets; Google answers 503 once
    card = apple_holder(program, device)
    save_link_token(card)
    google.fail_next(1, status=503, path_contains="addMessage")
    message = wallet_message([card], merchant=program.merchant)
    start = timezone.now()

    with clock.frozen_at(start):
        sender.message_send(message_id=message.pk)
    assert delivery_of(message, card).wallets == {"apple": "sent", "google": "wallet_unavailable"}
    with clock.frozen_at(start + sender.RETRY_DELAYS[0]):
        sender.message_send(message_id=message.pk)

    # then: Apple was pushed once in all, Google holds the message once
    delivery = delivery_of(message, card)
    assert (delivery.state, delivery.wallets) == ("sent", {"apple": "sent", "google": "sent"})
    assert len(apns.pushes_to(device.push_token)) == 1
    assert len(google.messages_of(object_of(card).object_id)) == 1


def test_a_round_resumed_after_a_crash_adds_nothing_twice_and_shows_no_second_notification(
    apns,
    device,
    google,
    program,
):
    # given: a worker pushed to Apple and added to Google, then died before recording anything
    card = apple_holder(program, device)
    save_link_token(card)
    message = wallet_message([card], merchant=program.merchant)
    start = timezone.now()
    with clock.frozen_at(start):
        sender.message_send(message_id=message.pk)
    field_before = pass_field(device, card)
    MessageDelivery.objects.filter(message=message).update(
        state=DeliveryState.PENDING, wallets={}, attempts=0, sent_at=None, finished_at=None
    )
    Message.objects.filter(pk=message.pk).update(state=MessageState.SENDING, finished_at=None)

    # when: the sweep's round takes it again
    with clock.frozen_at(start + timedelta(minutes=5)):
        sender.message_send(message_id=message.pk)

    # then: Google recognised its message; the pass's field is the same value, so the phone shows nothing new
    assert delivery_of(message, card).state == DeliveryState.SENT
    assert len(google.messages_of(object_of(card).object_id)) == 1 and GoogleMessage.objects.count() == 1
    assert AppleMessage.objects.count() == 1 and pass_field(device, card) == field_before


def test_one_wallet_breaking_on_one_card_never_stops_the_batch(apns, device, other_device, program, monkeypatch):
    broken = apple_holder(program, device)
    fine = apple_holder(program, other_device)
    real = wallet._send_one

    def explode_for_one(which, delivery, text, key, clients):
        if delivery.card_id == broken.pk:
            raise RuntimeError("a bug in one wallet")
        return real(which, delivery, text, key, clients)

    monkeypatch.setattr(wallet, "_send_one", explode_for_one)
    message = wallet_message([broken, fine], merchant=program.merchant)

    report = sender.message_send(message_id=message.pk)

    assert (report.sent, report.retrying) == (1, 1)
    assert delivery_of(message, broken).reason == "wallet_unavailable"
    assert delivery_of(message, fine).state == DeliveryState.SENT


def test_email_and_wallet_together_one_email_per_customer_one_wallet_message_per_card(
    apns,
    device,
    other_device,
    program,
    smtp_server,
):
    customer = CustomerFactory(merchant=program.merchant, email="olena@example.com", marketing_email_consent=True)
    other_program = ProgramFactory(merchant=program.merchant, name="Pastry", is_default=False)
    first = CardFactory(program=program, customer=customer)
    second = CardFactory(program=other_program, customer=customer)
    device.register(apple_pass_ensure(card=first))
    other_device.register(apple_pass_ensure(card=second))
    parts = {lang: {**part, "wallet": "Short news"} for lang, part in WITH_SUBJECT.items()}
    message = wallet_message([first, second], merchant=program.merchant, parts=parts, channels=("email", "wallet"))

    sender.message_send(message_id=message.pk)

    assert [r.to for r in smtp_server.received] == ["olena@example.com"]
    assert MessageDelivery.objects.filter(message=message, channel="wallet", state="sent").count() == 2
    assert pass_field(device, first) == "Short news"


def test_a_wallet_text_longer_than_the_lock_screen_shows_is_refused_when_written(program):
    actor = Actor.system(program.merchant)
    too_long = "x" * (wallet.limits.WALLET_TEXT_MAX + 1)

    with pytest.raises(MessageInvalid) as in_text:
        services.message_create(actor=actor, channels=["wallet"], parts={"en": {"text": too_long}})
    with pytest.raises(MessageInvalid) as in_wallet_text:
        services.message_create(
            actor=actor, channels=["email", "wallet"], parts={"en": {"subject": "S", "text": "ok", "wallet": too_long}}
        )
    written = services.message_create(
        actor=actor, channels=["email", "wallet"], parts={"en": {"subject": "S", "text": too_long, "wallet": "Short"}}
    )

    assert in_text.value.code == "wallet_message_too_long"
    assert in_text.value.details["fields"][0]["field"] == "parts.en.text"
    assert in_wallet_text.value.details["fields"][0]["field"] == "parts.en.wallet"
    assert written.parts["en"]["wallet"] == "Short"
    assert services.message_create(actor=actor, channels=["email"], parts={"en": {"subject": "S", "text": too_long}})
    assert services.message_create(actor=actor, channels=["wallet"], parts={"en": {"wallet": "Only this"}})


def test_a_template_key_gives_each_holder_their_own_wallet_text_and_needs_its_wallet_template(
    google, program, settings
):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}
    ]
    card = google_holder(program)
    card.customer.name = "Olena"
    card.customer.save()
    message = wallet_message([card], merchant=program.merchant, parts={}, template_key="hello")

    sender.message_send(message_id=message.pk)

    [sent] = added(google, card)
    assert sent["body"] == f"Olena, 0 of {program.goal} stamps at {program.merchant.name}."
    with pytest.raises(MessageInvalid) as unknown:
        services.message_create(actor=Actor.system(program.merchant), channels=["wallet"], template_key="goodbye")
    assert unknown.value.code == "message_template_unknown"
