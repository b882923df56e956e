"""The "Save to Google Wallet" link: a skinny RS256 JWT for a class and object inserted at Google beforehand."""

import json
import ssl

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from jwt import algorithms as jwt_algorithms

from stampcard.wallet.google import client as google_client
from stampcard.wallet.google.links import google_save_url
from tests.wallet.google.conftest import ISSUER_ID
from tests.wallet.google.helpers import claims_of, object_of, save_link_token


def public_key_of(service_account_file):
    info = json.loads(service_account_file.read_text())
    return serialization.load_pem_private_key(info["private_key"].encode(), password=None).public_key(), info


def test_the_save_link_jwt_verifies_with_the_service_account_key_and_names_the_inserted_object(
    google, card, service_account_file
):
    url = google_save_url(card)

    assert url.startswith(f"{google.base_url}/gp/v/save/")
    public_key, info = public_key_of(service_account_file)
    token = url.rsplit("/", 1)[-1]
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="google")
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "typ": "JWT", "kid": info["private_key_id"]}
    assert claims["iss"] == info["client_email"]
    assert claims["typ"] == "savetowallet"
    assert claims["origins"] == ["https://loyalty.example.com"]
    google_object = object_of(card)
    assert claims["payload"] == {
        "loyaltyObjects": [{"id": google_object.object_id, "classId": google_object.google_class.class_id}]
    }
    assert len(url) < 1800  # skinny: browsers truncate longer links


def test_a_jwt_signed_by_another_key_does_not_verify(google, card):
    token = save_link_token(card)
    other = serialization.load_pem_private_key(_other_key_pem(), password=None).public_key()

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other, algorithms=["RS256"], audience="google")


def _other_key_pem() -> bytes:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_the_class_and_object_google_stored_carry_the_program_and_the_card(google, card):
    card.program.background_color = "#12AB34"
    card.program.save()

    save_link_token(card)

    google_object = object_of(card)
    stored_class = google.stored_class(google_object.google_class.class_id)
    assert stored_class["id"] == f"{ISSUER_ID}.program-{card.program.pk.hex}"
    assert stored_class["issuerName"] == card.merchant.name
    assert stored_class["programName"] == "Coffee card"
    assert stored_class["hexBackgroundColor"] == "#12ab34"
    assert stored_class["programLogo"]["sourceUri"]["uri"].startswith(
        f"https://loyalty.example.com/wallet/google/logo/{card.program.pk}/"
    )
    assert stored_class["callbackOptions"] == {"url": "https://loyalty.example.com/wallet/google/callback"}
    stored = google.stored_object(google_object.object_id)
    assert stored["classId"] == stored_class["id"]
    assert stored["state"] == "ACTIVE"
    assert stored["accountId"] == card.number
    assert stored["accountName"] == card.customer.name
    assert stored["barcode"] == {"type": "QR_CODE", "value": card.qr_payload, "alternateText": card.number}
    assert stored["loyaltyPoints"]["balance"] == {"string": "0/8"}
    assert "/wallet/google/hero/" in stored["heroImage"]["sourceUri"]["uri"]
    assert stored["heroImage"]["sourceUri"]["uri"].endswith("/0.png")
    assert stored["linksModuleData"]["uris"][0]["uri"].startswith("https://loyalty.example.com/c/")
    assert "notifyPreference" not in stored


def test_a_second_save_link_sends_nothing_google_already_has(google, card):
    first = claims_of(save_link_token(card))
    calls = len(google.requests())

    second = claims_of(save_link_token(card))

    assert second["payload"] == first["payload"]
    assert len(google.requests()) == calls
    assert [r.path for r in google.requests("POST")] == [
        "/walletobjects/v1/loyaltyClass",
        "/walletobjects/v1/loyaltyObject",
    ]


def test_a_class_google_already_holds_is_patched_instead_of_inserted(google, card, program):
    google_object_class_id = f"{ISSUER_ID}.program-{program.pk.hex}"
    google.state.classes[google_object_class_id] = {"id": google_object_class_id, "reviewStatus": "APPROVED"}

    save_link_token(card)

    assert [(r.method, r.status) for r in google.requests(path_contains="loyaltyClass")] == [
        ("POST", 409),
        ("PATCH", 200),
    ]
    assert google.stored_class(google_object_class_id)["programName"] == program.name


def test_the_stand_in_save_page_accepts_the_link(google, card):
    response = httpx.get(google_save_url(card))

    assert response.status_code == 200
    assert object_of(card).object_id in google.state.saved


def test_no_save_link_without_a_service_account(google, card, settings):
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = "/nonexistent/key.json"

    assert not google_client.is_configured()
    with pytest.raises(google_client.GoogleWalletNotConfigured):
        google_save_url(card)


@pytest.mark.django_db(transaction=True)
def test_the_save_link_refuses_to_call_google_inside_a_database_transaction(google, card):
    with pytest.raises(RuntimeError, match="inside a database transaction"), transaction.atomic():
        google_save_url(card)
    assert google.requests() == []


def test_a_google_outage_while_saving_raises_a_retryable_error(google, card):
    google.fail_next(5, status=503)

    with pytest.raises(google_client.GoogleWalletError) as raised:
        google_save_url(card)
    assert raised.value.retryable


def test_the_token_endpoint_refuses_an_assertion_signed_by_another_key(google):
    assertion = jwt.encode(
        {"iss": "someone@example.com", "aud": google.token_url, "scope": google_client.SCOPE, "iat": 0, "exp": 2**31},
        _other_key_pem(),
        algorithm="RS256",
    )

    response = httpx.post(
        google.token_url,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_the_api_refuses_calls_without_a_token(google):
    response = httpx.get(f"{google.base_url}/walletobjects/v1/loyaltyObject/{ISSUER_ID}.nope")

    assert response.status_code == 401


def test_taps_share_the_loaded_key_and_the_tls_context(google, card, monkeypatch):
    """Loading the RSA key (~30 ms) and the CA bundle (~20 ms) once per process, not on every tap of the button."""
    loads, contexts = [], []
    real_load, real_context = serialization.load_pem_private_key, ssl.create_default_context
    counted_load = lambda *a, **k: loads.append(1) or real_load(*a, **k)  # noqa: E731
    for where in (serialization, jwt_algorithms):  # ours, and PyJWT's when given the PEM text
        monkeypatch.setattr(where, "load_pem_private_key", counted_load)
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: contexts.append(1) or real_context(*a, **k))
    assert google_save_url(card).startswith(f"{google.base_url}/gp/v/save/")
    loads.clear(), contexts.clear()

    again = [google_save_url(card) for _ in range(3)]

    assert all(url.startswith(f"{google.base_url}/gp/v/save/") for url in again)
    assert (loads, contexts) == ([], [])
