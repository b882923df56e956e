"""The operator sees on a card which wallets hold it."""

from stampcard.wallet.apple.services import apple_pass_ensure, device_register
from tests.factories import CardFactory


def test_the_card_page_of_the_admin_says_which_wallets_hold_the_card(admin_client, program):
    card = CardFactory(program=program)
    device_register(apple_pass=apple_pass_ensure(card=card), device_library_identifier="d1", push_token="ab" * 32)

    html = admin_client.get(f"/admin/cards/card/{card.pk}/change/").content.decode()

    assert "Apple Wallet: 1 device(s); Google Wallet: not saved" in html
