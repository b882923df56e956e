# ruff: noqa: F811 - the wallet stand-ins' fixtures are imported here and used as arguments
"""A sending round talks to each wallet over one connection: every Apple pass of a campaign or an automation pushed
over one HTTP/2 connection to the APNs stand-in, every Google object written over one connection to the Google
stand-in with one OAuth token, and the connections closed when the round ends, also when it breaks."""

import pytest
from django.test import Client

from stampcard.campaigns.messages import sender, wallet
from stampcard.campaigns.messages.models import MessageDelivery
from stampcard.wallet.apple.services import apple_pass_ensure
from stampcard.wallet.google import client as google_client
from tests.campaigns.messages.test_wallet_send import google_holder, wallet_message
from tests.factories import CardFactory, CustomerFactory
from tests.wallet.apple.conftest import Device, _apple_settings, apns, apple_dir  # noqa: F401 - fixtures
from tests.wallet.google.conftest import google, google_standin, service_account_file  # noqa: F401 - fixtures
from tests.wallet.google.helpers import object_of

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = 6


@pytest.fixture(autouse=True)
def _rounds_when_the_test_says(_apple_settings, google, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def apple_holders(program, count: int) -> list[tuple[object, Device]]:
    """``count`` cards, each in Apple Wallet on its own phone."""
    held = []
    for index in range(count):
        card = CardFactory(program=program, customer=CustomerFactory(merchant=program.merchant))
        phone = Device(library_id=f"phone{index:04d}", push_token=f"{index + 1:064x}", client=Client())
        assert phone.register(apple_pass_ensure(card=card)).status_code == 201
        held.append((card, phone))
    return held


def sent(message) -> int:
    return MessageDelivery.objects.filter(message=message, state="sent").count()


def test_a_round_to_many_apple_cards_pushes_them_all_over_one_apns_connection(apns, program):
    # given: six Apple holders, six phones
    held = apple_holders(program, CARDS)
    message = wallet_message([card for card, _ in held], merchant=program.merchant)

    # when: one round, in batches of two
    report = sender.message_send(message_id=message.pk, batch=2)

    # then: every phone pushed once, all over one connection, closed with the round
    assert (report.sent, report.batches) == (CARDS, 3)
    assert all(len(apns.pushes_to(phone.push_token)) == 1 for _, phone in held)
    assert apns.connections == 1
    apns.wait_closed()


def test_a_round_to_many_google_cards_writes_over_one_connection_with_one_token(google, program):
    # given: six Google holders; a worker that has not fetched a token yet
    cards = [google_holder(program) for _ in range(CARDS)]
    message = wallet_message(cards, merchant=program.merchant)
    google_client._credentials.clear()
    google.state.connections, tokens_before = 0, len(google.state.tokens)

    # when
    sender.message_send(message_id=message.pk, batch=2)

    # then: each object got its message; one TCP connection, one token request
    assert sent(message) == CARDS
    assert all(len(google.messages_of(object_of(card).object_id)) == 1 for card in cards)
    assert google.state.connections == 1
    assert len(google.state.tokens) - tokens_before == 1


def test_the_next_round_opens_its_own_connection_and_keeps_the_token_until_it_expires(apns, google, program):
    # given: two messages to the same Apple and Google holders
    apple = [card for card, _ in apple_holders(program, 2)]
    google_cards = [google_holder(program) for _ in range(2)]
    first = wallet_message(apple + google_cards, merchant=program.merchant)
    second = wallet_message(apple + google_cards, merchant=program.merchant)
    google.state.connections, tokens_before = 0, len(google.state.tokens)

    # when: a round each
    sender.message_send(message_id=first.pk)
    sender.message_send(message_id=second.pk)

    # then: a connection per round to each wallet; the access token is the process's, fetched at most once
    assert (sent(first), sent(second)) == (4, 4)
    assert apns.connections == 2
    assert google.state.connections == 2
    assert len(google.state.tokens) - tokens_before <= 1
    apns.wait_closed()


def test_a_round_that_breaks_still_closes_its_connections(apns, program, monkeypatch):
    # given: a round whose second batch breaks (a database outage, say) after the first was pushed
    held = apple_holders(program, 4)
    message = wallet_message([card for card, _ in held], merchant=program.merchant)
    real = sender._send_batch
    batches = []

    def second_batch_breaks(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(sender, "_send_batch", second_batch_breaks)

    # when
    with pytest.raises(RuntimeError):
        sender.message_send(message_id=message.pk, batch=2)

    # then: the first batch went out over one connection, and the round closed it on its way out
    assert sent(message) == 2
    assert apns.connections == 1
    apns.wait_closed()


def test_a_token_that_expires_mid_round_is_fetched_again_once_over_the_same_connection(google, program, monkeypatch):
    # given: Google holders; the access token expires after the round's first card
    cards = [google_holder(program) for _ in range(4)]
    message = wallet_message(cards, merchant=program.merchant)
    google_client._credentials.clear()
    google.state.connections = 0
    real = wallet._send_one
    sends = []

    def expire_after_the_first(*args):
        result = real(*args)
        sends.append(1)
        if len(sends) == 1:
            with google.lock:
                google.state.tokens.clear()  # Google no longer takes it: 401 on the next call
        return result

    monkeypatch.setattr(wallet, "_send_one", expire_after_the_first)

    # when
    sender.message_send(message_id=message.pk)

    # then: one call refused, one new token for the rest, every card sent, still one connection
    assert sent(message) == 4
    assert [r.status for r in google.requests(path_contains="addMessage")] == [200, 401, 200, 200, 200]
    assert len(google.state.tokens) == 1  # issued after the old one was dropped
    assert google.state.connections == 1


def test_when_apns_drops_the_rounds_connection_the_round_opens_another_and_no_card_is_lost(apns, program, monkeypatch):
    # given: APNs closes the round's connection after its first push
    held = apple_holders(program, 4)
    message = wallet_message([card for card, _ in held], merchant=program.merchant)
    real = wallet._send_one
    sends = []

    def dropped_after_the_first(*args):
        result = real(*args)
        sends.append(1)
        if len(sends) == 1:
            apns.drop_connections()
        return result

    monkeypatch.setattr(wallet, "_send_one", dropped_after_the_first)

    # when
    report = sender.message_send(message_id=message.pk)

    # then: the next push found the connection closed and went again over a new one; nothing waits for a retry
    assert (report.sent, report.retrying) == (4, 0)
    assert all(len(apns.pushes_to(phone.push_token)) == 1 for _, phone in held)
    assert apns.connections == 2
