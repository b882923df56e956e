# ruff: noqa: F811 - the wallet stand-ins' fixtures are imported here and used as arguments
"""Several workers sending one wallet message at once, on PostgreSQL: each pass is pushed once, each Google object
gets the message once."""

import pytest
from django.test import Client

from stampcard.campaigns.messages import sender
from stampcard.campaigns.messages.models import DeliveryState, MessageDelivery
from stampcard.core.testing import run_concurrently
from tests.campaigns.messages.test_wallet_send import (  # noqa: F401 - fixtures
    _apple_settings,
    _rounds_when_the_test_says,
    added,
    apns,
    apple_dir,
    apple_holder,
    google,
    google_holder,
    google_standin,
    service_account_file,
    wallet_message,
)
from tests.wallet.apple.conftest import Device

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_four_workers_sending_one_wallet_message_reach_each_pass_once(apns, google, program):
    phones = [Device(library_id=f"lib{i:04d}", push_token=f"{i:064x}", client=Client()) for i in range(12)]
    apple_cards = [apple_holder(program, phone) for phone in phones]
    google_cards = [google_holder(program) for _ in range(12)]
    message = wallet_message(apple_cards + google_cards, merchant=program.merchant)
    google.state.connections = 0  # the objects' inserts above count their own

    outcomes = run_concurrently(lambda _i: sender.message_send(message_id=message.pk, batch=3), n=4)

    assert all(outcome.error is None for outcome in outcomes), [outcome.error for outcome in outcomes]
    assert sum(outcome.value.sent for outcome in outcomes) == 24
    assert sum(1 for outcome in outcomes if outcome.value.sent) > 1  # they really shared the work
    assert set(MessageDelivery.objects.filter(message=message).values_list("state", flat=True)) == {DeliveryState.SENT}
    assert all(len(apns.pushes_to(phone.push_token)) == 1 for phone in phones)
    assert all(len(added(google, card)) == 1 for card in google_cards)
    # each round (thread) over its own connection to each wallet, never one per card nor one shared across threads
    assert apns.connections <= 4 and google.state.connections <= 4
