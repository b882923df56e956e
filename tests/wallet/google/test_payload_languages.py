"""A Google object speaks its customer's language, with our texts translated for devices in the other one."""

import pytest

from stampcard.public import services as public_services
from stampcard.sandbox import google_wallet_schema
from stampcard.wallet.google import payloads
from tests.wallet.google.helpers import object_of, save_link_token

pytestmark = pytest.mark.django_db


def payload_for(card, language: str) -> dict:
    card.customer.language = language
    card.customer.save(update_fields=["language"])
    return payloads.object_payload(card=card, object_id="1.card-x", class_id="1.program-x", rewards=[], vouchers=[])


def test_a_ukrainian_customers_object_is_ukrainian_with_english_translations(card):
    body = payload_for(card, "uk")

    points = body["loyaltyPoints"]
    assert points["label"] == "Штампи"
    assert points["localizedLabel"] == {
        "defaultValue": {"language": "uk", "value": "Штампи"},
        "translatedValues": [{"language": "en", "value": "Stamps"}],
    }
    [upcoming] = body["textModulesData"]
    assert upcoming["localizedHeader"]["translatedValues"] == [{"language": "en", "value": "Next reward"}]
    # Our words around the merchant's reward title, which stays as written in both.
    assert upcoming["localizedBody"]["translatedValues"] == [{"language": "en", "value": "Free coffee: 8 more stamps"}]
    assert upcoming["body"].startswith("Free coffee: ")
    [link] = body["linksModuleData"]["uris"]
    assert link["localizedDescription"]["defaultValue"] == {"language": "uk", "value": "Ваша картка"}
    assert body["heroImage"]["contentDescription"]["defaultValue"]["language"] == "uk"
    assert body["heroImage"]["contentDescription"]["translatedValues"][0]["language"] == "en"
    assert "localizedAccountName" not in body and body["accountName"] == card.customer.name
    assert google_wallet_schema.violations("LoyaltyObject", body) == []


def test_an_english_customers_object_is_english_with_ukrainian_translations(card):
    body = payload_for(card, "en")

    assert body["loyaltyPoints"]["label"] == "Stamps"
    assert body["loyaltyPoints"]["localizedLabel"]["translatedValues"] == [{"language": "uk", "value": "Штампи"}]


def test_the_class_is_in_the_merchants_language_with_our_labels_translated(program):
    body = payloads.class_payload(program=program)

    assert body["accountIdLabel"] == "Номер картки"
    assert body["localizedAccountIdLabel"]["translatedValues"] == [{"language": "en", "value": "Card number"}]
    assert body["programName"] == "Coffee card" and "localizedProgramName" not in body
    assert google_wallet_schema.violations("LoyaltyClass", body) == []


def test_switching_the_language_patches_the_object_in_the_new_one(google, card, django_capture_on_commit_callbacks):
    card.customer.language = "uk"
    card.customer.save(update_fields=["language"])
    save_link_token(card)
    google_object = object_of(card)
    assert google.stored_object(google_object.object_id)["loyaltyPoints"]["label"] == "Штампи"

    with django_capture_on_commit_callbacks(execute=True):
        public_services.card_language_choose(card=card, language="en")

    stored = google.stored_object(google_object.object_id)
    assert stored["loyaltyPoints"]["label"] == "Stamps"
    assert stored["loyaltyPoints"]["localizedLabel"]["defaultValue"] == {"language": "en", "value": "Stamps"}
