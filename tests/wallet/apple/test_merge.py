"""A card closed by a merge of duplicate customers: its pass says where the stamps went, and its barcode is the
surviving card's, so the holder can keep showing it."""

import json

from stampcard.cards.links import web_card_url
from stampcard.checkouts import merge
from stampcard.wallet.apple import pkpass
from tests.factories import CardFactory, CustomerFactory
from tests.wallet.apple.conftest import unzip


def test_the_pass_of_a_merged_card_points_its_holder_at_the_surviving_card(apple_pass, card, manager):
    survivor = CardFactory(program=card.program, customer=CustomerFactory(merchant=card.merchant))
    merge.customers_merge(actor=manager.actor(), survivor_id=survivor.customer_id, absorbed_id=card.customer_id)
    apple_pass.card.refresh_from_db()

    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])

    assert data["barcodes"][0]["message"] == survivor.qr_payload
    assert data["barcodes"][0]["altText"] == survivor.number
    assert "voided" not in data
    [header] = data["storeCard"]["headerFields"]
    assert header["value"] == survivor.number
    back = {field["key"]: field for field in data["storeCard"]["backFields"]}
    assert survivor.number in back["merged"]["value"]
    assert back["web-card"]["value"] == web_card_url(survivor)
