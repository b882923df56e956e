"""A card closed by a merge of duplicate customers: its Google object is patched through the change feed to show
the surviving card's code and say where the stamps went."""

from stampcard.cards.models import Card
from stampcard.checkouts import merge
from tests.factories import CardFactory, CustomerFactory
from tests.wallet.google.helpers import object_of, save_link_token, stamp


def test_merging_patches_the_closed_cards_google_object_to_the_survivor(
    google, card, cashier, manager, django_capture_on_commit_callbacks
):
    save_link_token(card)
    stamp(cashier, card, capture=django_capture_on_commit_callbacks)
    google_object = object_of(card)
    assert Card.objects.get(pk=card.pk).in_wallet
    survivor = CardFactory(program=card.program, customer=CustomerFactory(merchant=card.merchant))

    with django_capture_on_commit_callbacks(execute=True):
        merge.customers_merge(actor=manager.actor(), survivor_id=survivor.customer_id, absorbed_id=card.customer_id)

    stored = google.stored_object(google_object.object_id)
    assert stored["state"] == "ACTIVE"
    assert stored["barcode"]["value"] == survivor.qr_payload
    assert stored["loyaltyPoints"]["balance"]["string"] == survivor.number
    assert any(survivor.number in module["body"] for module in stored["textModulesData"])
