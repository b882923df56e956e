"""The web link of a card closed by a merge of duplicate customers opens the card it was merged into."""

import pytest

from stampcard.cards import links
from stampcard.checkouts import merge
from stampcard.public import selectors
from tests.factories import CardFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_closed_cards_link_opens_the_surviving_card(phone, card, manager):
    survivor = CardFactory(program=card.program, customer=CustomerFactory(merchant=card.merchant))
    token = links.card_token(card)
    merge.customers_merge(actor=manager.actor(), survivor_id=survivor.customer_id, absorbed_id=card.customer_id)

    assert selectors.card_get_by_token(token=token) == survivor
    assert selectors.cards_by_tokens(tokens=[token, links.card_token(survivor)]) == [survivor]
    page = phone.get(f"/c/{token}")
    assert page.status_code == 200 and survivor.number in page.content.decode()
