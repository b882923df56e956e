"""Save/delete callbacks: verified like Google's PaymentMethodToken (ECv2SigningOnly), recorded once per nonce."""

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from stampcard.core.errors import NotFound
from stampcard.wallet.google import selectors
from stampcard.wallet.google.models import GoogleCallbackEvent
from tests.factories import CardFactory
from tests.wallet.google.helpers import object_of, save_link_token

URL = "/wallet/google/callback"


def post(body):
    return Client().post(URL, body, content_type="application/json")


@pytest.fixture
def saved_card(google, card):
    save_link_token(card)
    return card


def callback_for(google, card, **kwargs):
    google_object = object_of(card)
    return google.callback_body(
        class_id=google_object.google_class.class_id, object_id=google_object.object_id, **kwargs
    )


def test_a_save_callback_signed_by_google_is_recorded_and_the_card_shows_it(google, saved_card):
    assert selectors.wallets_of(card=saved_card) == {"google": None}

    response = post(callback_for(google, saved_card, event_type="save"))

    assert response.status_code == 200
    assert response.json() == {"recorded": True, "reason": ""}
    assert selectors.wallets_of(card=saved_card) == {"google": "saved"}


def test_a_delete_after_a_save_shows_the_card_removed(google, saved_card):
    post(callback_for(google, saved_card, event_type="save", expires_in=timedelta(minutes=5)))
    post(callback_for(google, saved_card, event_type="del", expires_in=timedelta(minutes=6)))

    assert selectors.wallets_of(card=saved_card) == {"google": "removed"}


def test_a_late_redelivered_save_does_not_hide_a_newer_delete(google, saved_card):
    post(callback_for(google, saved_card, event_type="del", expires_in=timedelta(minutes=6)))
    post(callback_for(google, saved_card, event_type="save", expires_in=timedelta(minutes=5)))

    assert selectors.wallets_of(card=saved_card) == {"google": "removed"}


def test_a_duplicate_callback_is_acknowledged_and_ignored(google, saved_card):
    body = callback_for(google, saved_card, nonce="nonce-1")

    first, second = post(body), post(body)
    resent = post(callback_for(google, saved_card, nonce="nonce-1", event_type="del"))  # a retry, signed anew

    assert [first.status_code, second.status_code, resent.status_code] == [200, 200, 200]
    assert second.json() == {"recorded": False, "reason": "duplicate"}
    assert GoogleCallbackEvent.objects.count() == 1
    assert selectors.wallets_of(card=saved_card) == {"google": "saved"}


def test_a_callback_whose_intermediate_key_no_google_root_signed_is_rejected(google, saved_card):
    forged = callback_for(google, saved_card, signing_key=ec.generate_private_key(ec.SECP256R1()))

    response = post(forged)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert GoogleCallbackEvent.objects.count() == 0


def test_a_callback_with_an_altered_message_is_rejected(google, saved_card):
    body = callback_for(google, saved_card, event_type="save")
    body["signedMessage"] = body["signedMessage"].replace('"save"', '"del"')

    assert post(body).status_code == 400
    assert GoogleCallbackEvent.objects.count() == 0


def test_a_callback_signed_for_another_issuer_is_rejected(google, saved_card):
    assert post(callback_for(google, saved_card, recipient_id="3388000000099999999")).status_code == 400


def test_an_expired_callback_is_rejected(google, saved_card):
    assert post(callback_for(google, saved_card, expires_in=timedelta(seconds=-1))).status_code == 400


def test_a_callback_of_another_protocol_or_malformed_is_rejected(google, saved_card):
    body = callback_for(google, saved_card)

    assert post({**body, "protocolVersion": "ECv1"}).status_code == 400
    assert Client().post(URL, "not json", content_type="application/json").status_code == 400
    assert post({"protocolVersion": "ECv2SigningOnly"}).status_code == 400


def test_a_callback_for_an_unknown_object_records_nothing(google, saved_card):
    google_object = object_of(saved_card)

    response = post(google.callback_body(class_id=google_object.google_class.class_id, object_id="3388.unknown"))

    assert response.status_code == 200
    assert response.json() == {"recorded": False, "reason": "unknown_object"}


def test_a_callback_pairing_one_merchants_object_with_another_merchants_class_records_nothing(google, saved_card):
    other_card = CardFactory()
    save_link_token(other_card)
    other_class_id = object_of(other_card).google_class.class_id

    response = post(google.callback_body(class_id=other_class_id, object_id=object_of(saved_card).object_id))

    assert response.json() == {"recorded": False, "reason": "unknown_object"}
    assert selectors.wallets_of(card=saved_card) == {"google": None}
    assert selectors.wallets_of(card=other_card) == {"google": None}


def test_a_merchant_cannot_reach_another_merchants_google_object(google, saved_card):
    other_card = CardFactory()
    save_link_token(other_card)

    assert selectors.google_object_get(merchant=saved_card.merchant, card_id=saved_card.pk).card_id == saved_card.pk
    with pytest.raises(NotFound):
        selectors.google_object_get(merchant=saved_card.merchant, card_id=other_card.pk)


def test_the_stand_in_save_page_sends_a_save_callback(google, saved_card, live_server, settings):
    import httpx

    from stampcard.wallet.google.links import google_save_url

    settings.BASE_URL = live_server.url  # the class's callback URL must reach this test's server
    url = google_save_url(saved_card)

    assert httpx.get(url).status_code == 200
    for _ in range(50):
        if GoogleCallbackEvent.objects.exists():
            break
        import time

        time.sleep(0.1)
    assert selectors.wallets_of(card=saved_card) == {"google": "saved"}
