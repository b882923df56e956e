def test_card_fixture_builds_one_tenant(card):
    assert card.merchant_id == card.program.merchant_id == card.customer.merchant_id
