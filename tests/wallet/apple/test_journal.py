"""The card's journal records the pass added to and removed from Apple Wallet, once per device."""

import pytest

from stampcard.cards import journal
from stampcard.cards.models import CardEvent, EventKind

pytestmark = pytest.mark.django_db


def kinds(card) -> list[str]:
    return list(
        CardEvent.objects.filter(card=card, kind__in=[EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED])
        .order_by("id")
        .values_list("kind", flat=True)
    )


def unregister(device, apple_pass):
    url = (
        f"/wallet/apple/v1/devices/{device.library_id}/registrations/"
        f"{apple_pass.pass_type_identifier}/{apple_pass.serial_number}"
    )
    return device.client.delete(url, headers={"Authorization": f"ApplePass {apple_pass.authentication_token}"})


def test_registering_records_the_pass_added_once(device, apple_pass, card):
    device.register(apple_pass)
    device.register(apple_pass)  # a re-registration refreshes the token: nothing new to say

    assert kinds(card) == [EventKind.PASS_INSTALLED]
    event = CardEvent.objects.get(card=card, kind=EventKind.PASS_INSTALLED)
    assert event.delta == 0 and journal.event_details(event) == "Apple Wallet"


def test_unregistering_records_the_pass_removed_once(device, apple_pass, card):
    device.register(apple_pass)

    assert unregister(device, apple_pass).status_code == 200
    assert unregister(device, apple_pass).status_code == 200

    assert kinds(card) == [EventKind.PASS_INSTALLED, EventKind.PASS_REMOVED]
    card.refresh_from_db()
    assert card.stamps == sum(CardEvent.objects.filter(card=card).values_list("delta", flat=True))
