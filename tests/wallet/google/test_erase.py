"""Erasing a customer retires their Google Wallet object: the stand-in is patched to state INACTIVE."""

from stampcard.customers.privacy import customer_erase
from tests.wallet.google.helpers import object_of, save_link_token, stamp


def test_erasing_the_customer_sets_the_google_object_inactive(
    google, card, cashier, manager, django_capture_on_commit_callbacks
):
    save_link_token(card)
    stamp(cashier, card, capture=django_capture_on_commit_callbacks)
    google_object = object_of(card)
    name = card.customer.name
    assert google.stored_object(google_object.object_id)["state"] == "ACTIVE"

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(actor=manager.actor(), customer=card.customer)

    stored = google.stored_object(google_object.object_id)
    assert stored["state"] == "INACTIVE"
    assert stored["accountName"] != name
