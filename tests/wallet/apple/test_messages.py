"""A wallet message to an Apple pass: the text lands in a field whose changeMessage shows it on the lock screen, the
device is pushed over APNs (the stand-in, real HTTP/2 TLS), and the web service then hands it the new pass."""

import json

import pytest

from stampcard.wallet.apple.messages import MAX_CHARS, apple_message_send
from stampcard.wallet.apple.models import AppleMessage, ApplePass
from stampcard.wallet.apple.services import apple_pass_ensure
from tests.factories import CardFactory
from tests.wallet.apple.conftest import unzip

pytestmark = pytest.mark.django_db(transaction=True)


def pass_json(response) -> dict:
    return json.loads(unzip(response.content)["pass.json"])


def message_field(data: dict) -> dict | None:
    return next((f for f in data["storeCard"]["backFields"] if f["key"] == "message"), None)


def test_a_message_is_pushed_and_the_device_gets_the_pass_with_the_text_in_a_field_it_announces(
    apns, device, apple_pass
):
    # given a phone holding the pass
    assert device.register(apple_pass).status_code == 201
    installed = device.fetch(apple_pass)
    tag = device.serials(apple_pass.pass_type_identifier).json()["lastUpdated"]
    assert message_field(pass_json(installed)) is None

    # when a message is sent
    result = apple_message_send(apple_pass.card, "  Double stamps this Friday!  ", message_key="campaign-1:card-1")

    # then APNs got a push for the device, which finds the pass changed and fetches the text with its changeMessage
    assert (result.sent, result.code, result.notified, result.status) == (True, "sent", True, "sent")
    [pushed] = apns.wait_for(device.push_token)
    assert pushed.topic == apple_pass.pass_type_identifier and pushed.payload == b"{}"
    changed = device.serials(apple_pass.pass_type_identifier, since=tag)
    assert changed.status_code == 200 and changed.json()["serialNumbers"] == [apple_pass.serial_number]
    fresh = device.fetch(apple_pass, if_modified_since=installed["Last-Modified"])
    assert fresh.status_code == 200
    field = message_field(pass_json(fresh))
    assert field == {"key": "message", "label": "Message", "value": "Double stamps this Friday!", "changeMessage": "%@"}
    stored = ApplePass.objects.get()
    assert stored.message == "Double stamps this Friday!" and stored.pushed_changed_at == stored.card.changed_at


def test_a_retried_send_pushes_again_but_never_puts_an_older_text_back(apns, device, apple_pass):
    device.register(apple_pass)
    apple_message_send(apple_pass.card, "First", message_key="m1")
    apple_message_send(apple_pass.card, "Second", message_key="m2")

    again = apple_message_send(apple_pass.card, "First", message_key="m1")  # a worker retrying m1 after a crash

    assert again.sent and again.replayed
    assert ApplePass.objects.get().message == "Second"
    assert AppleMessage.objects.count() == 2
    assert len(apns.wait_for(device.push_token, count=3)) == 3


def test_a_message_to_a_pass_no_device_holds_or_to_a_card_without_a_pass_is_not_sent(apns, apple_pass):
    assert apple_message_send(apple_pass.card, "Hi", message_key="k").code == "wallet_pass_not_installed"
    assert apple_message_send(CardFactory(), "Hi", message_key="k").code == "wallet_pass_missing"
    assert ApplePass.objects.get().message == "" and apns.received == []


def test_a_text_over_the_limit_or_empty_is_refused_with_its_code(apns, device, apple_pass):
    device.register(apple_pass)

    too_long = apple_message_send(apple_pass.card, "x" * (MAX_CHARS + 1), message_key="k1")
    empty = apple_message_send(apple_pass.card, "   ", message_key="k2")

    assert (too_long.sent, too_long.code, empty.code) == (False, "wallet_message_too_long", "wallet_message_empty")
    assert apple_message_send(apple_pass.card, "x" * MAX_CHARS, message_key="k3").sent


def test_apns_unavailable_is_a_retryable_failure_and_the_retry_delivers(apns, device, apple_pass):
    device.register(apple_pass)
    apns.respond(device.push_token, 503, times=1)

    first = apple_message_send(apple_pass.card, "Hello", message_key="k")
    second = apple_message_send(apple_pass.card, "Hello", message_key="k")

    assert (first.sent, first.code, first.retryable) == (False, "wallet_unavailable", True)
    assert second.sent and second.replayed
    assert len(apns.pushes_to(device.push_token)) == 1


def test_a_dead_push_token_is_forgotten_and_the_message_reported_not_installed(apns, device, apple_pass):
    device.register(apple_pass)
    apns.respond(device.push_token, 410)

    result = apple_message_send(apple_pass.card, "Hello", message_key="k")

    assert result.code == "wallet_pass_not_installed" and not apple_pass.registrations.exists()


def test_each_pass_gets_its_own_message(apns, device, other_device, apple_pass):
    other = apple_pass_ensure(card=CardFactory(program=apple_pass.card.program))
    device.register(apple_pass)
    other_device.register(other)

    apple_message_send(apple_pass.card, "For you", message_key="k")

    assert ApplePass.objects.get(pk=other.pk).message == ""
    assert apns.pushes_to(other_device.push_token) == []


def test_the_same_text_sent_again_changes_the_field_so_the_phone_announces_it_again(apns, device, apple_pass):
    # given: a phone holding the pass with last Friday's message
    device.register(apple_pass)
    apple_message_send(apple_pass.card, "Open until 22:00 today", message_key="friday-1")
    first = device.fetch(apple_pass)

    # when: the same words are sent as a new message, and again
    apple_message_send(apple_pass.card, "Open until 22:00 today", message_key="friday-2")
    second = device.fetch(apple_pass, if_modified_since=first["Last-Modified"])
    apple_message_send(apple_pass.card, "Open until 22:00 today", message_key="friday-3")
    third = device.fetch(apple_pass, if_modified_since=second["Last-Modified"])

    # then: each fetch carries a value unlike the one before (Wallet shows changeMessage only on a change), and the
    # words the lock screen shows are the same: the only difference is an invisible WORD JOINER
    values = [message_field(pass_json(r))["value"] for r in (first, second, third)]
    assert second.status_code == third.status_code == 200
    assert values[0] != values[1] and values[1] != values[2]
    assert {v.replace("\u2060", "") for v in values} == {"Open until 22:00 today"}
    assert all(message_field(pass_json(r))["changeMessage"] == "%@" for r in (first, second, third))
    assert len(apns.wait_for(device.push_token, count=3)) == 3
