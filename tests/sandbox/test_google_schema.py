"""The Google Wallet stand-in holds every class and object body to Google's own discovery document, so a payload it
accepts is one Google's parser accepts: unknown names, wrong types and unlisted enum values are 400s."""

import json
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from stampcard.core import clock
from stampcard.sandbox import google_wallet_schema
from stampcard.sandbox.google_wallet import (
    GOOGLE_TOKEN_AUDIENCE,
    WALLET_SCOPE,
    GoogleWalletStandIn,
    StandInState,
    service_account_ensure,
)
from stampcard.wallet.google import payloads

ISSUER = "3388000000033333333"
CLASS_ID = f"{ISSUER}.program-schema"
OBJECT_ID = f"{ISSUER}.card-schema"


def a_class(**changes):
    body = {
        "id": CLASS_ID,
        "issuerName": "Kava",
        "programName": "Coffee card",
        "programLogo": {
            "sourceUri": {"uri": "https://loyalty.example.com/logo.png"},
            "contentDescription": {"defaultValue": {"language": "en", "value": "Coffee card"}},
        },
        "hexBackgroundColor": "#1d3557",
        "reviewStatus": "UNDER_REVIEW",
        "callbackOptions": {"url": "https://loyalty.example.com/wallet/google/callback"},
    }
    return {**body, **changes}


def an_object(**changes):
    body = {
        "id": OBJECT_ID,
        "classId": CLASS_ID,
        "state": "ACTIVE",
        "accountId": "482913",
        "accountName": "Olena",
        "barcode": {"type": "QR_CODE", "value": "SC1:482913:abc", "alternateText": "482913"},
        "loyaltyPoints": {"label": "Stamps", "balance": {"string": "3/8"}},
        "textModulesData": [{"id": "next", "header": "Next reward", "body": "Free coffee: 5 more stamps"}],
        "linksModuleData": {
            "uris": [{"id": "web_card", "uri": "https://loyalty.example.com/c", "description": "Card"}]
        },
    }
    return {**body, **changes}


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    account = service_account_ensure(tmp_path_factory.mktemp("google") / "service_account.json")
    with GoogleWalletStandIn(service_account_file=account, issuer_id=ISSUER, now=clock.now) as google:
        google.account_file = account
        yield google


@pytest.fixture
def api(standin):
    """An httpx client with a bearer token from the stand-in's token endpoint, and an empty stand-in."""
    standin.state = StandInState()
    info = json.loads(Path(standin.account_file).read_text())
    key = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
    now = int(time.time())
    claims = {"iss": info["client_email"], "aud": GOOGLE_TOKEN_AUDIENCE, "scope": WALLET_SCOPE}
    assertion = jwt.encode({**claims, "iat": now, "exp": now + 600}, key, algorithm="RS256")
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    token = httpx.post(standin.token_url, data=grant).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{standin.base_url}/walletobjects/v1", headers=headers) as client:
        yield client


def refused(response, *fragments):
    """The answer is Google's 400 for an unparseable body, and its message names each fragment."""
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["errors"] and all(e["reason"] == "invalid" and e["message"] for e in error["errors"])
    for fragment in fragments:
        assert fragment in error["message"]
    return error


def test_a_valid_class_and_object_are_inserted(api, standin):
    assert api.post("/loyaltyClass", json=a_class()).status_code == 200
    answer = api.post("/loyaltyObject", json=an_object())

    assert answer.status_code == 200 and answer.json()["accountId"] == "482913"
    assert standin.stored_object(OBJECT_ID)["barcode"]["type"] == "QR_CODE"


def test_an_unknown_field_is_a_400_in_googles_error_shape(api, standin):
    error = refused(api.post("/loyaltyClass", json=a_class(programColour="#fff")), 'Unknown name "programColour"')

    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert standin.stored_class(CLASS_ID) is None


def test_an_unknown_field_deep_inside_is_named_with_its_path(api):
    api.post("/loyaltyClass", json=a_class())
    body = an_object(textModulesData=[{"id": "a", "header": "h", "bodyText": "b"}])

    error = refused(api.post("/loyaltyObject", json=body), "Unknown name \"bodyText\" at 'text_modules_data[0]'")
    assert error["details"][0]["fieldViolations"][0]["field"] == "text_modules_data[0]"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"accountId": 482913}, "Invalid value at 'account_id' (TYPE_STRING), 482913"),
        ({"barcode": "SC1:482913"}, "Invalid value at 'barcode'"),
        ({"textModulesData": {"id": "a"}}, "Invalid value at 'text_modules_data'"),
        ({"accountName": ["Olena"]}, "Proto field is not repeating, cannot start list"),
        ({"hasUsers": "yes"}, "Invalid value at 'has_users' (TYPE_BOOL)"),
        ({"loyaltyPoints": {"balance": {"int": "3 stamps"}}}, "(TYPE_INT32)"),
        ({"loyaltyPoints": {"balance": {"money": {"micros": "12.5", "currencyCode": "UAH"}}}}, "(TYPE_INT64)"),
    ],
)
def test_a_wrong_type_is_a_400(api, change, fragment):
    api.post("/loyaltyClass", json=a_class())

    refused(api.post("/loyaltyObject", json=an_object(**change)), fragment)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"state": "OPEN"}, "Invalid value at 'state' (TYPE_ENUM), \"OPEN\""),
        ({"barcode": {"type": "QR", "value": "x"}}, "Invalid value at 'barcode.type' (TYPE_ENUM), \"QR\""),
        ({"notifyPreference": "NOTIFY"}, "notify_preference"),
    ],
)
def test_an_enum_value_the_schema_does_not_list_is_a_400(api, change, fragment):
    api.post("/loyaltyClass", json=a_class())

    refused(api.post("/loyaltyObject", json=an_object(**change)), fragment)


def test_patch_and_update_are_checked_and_a_refused_one_changes_nothing(api, standin):
    api.post("/loyaltyClass", json=a_class())
    api.post("/loyaltyObject", json=an_object())

    refused(api.patch(f"/loyaltyObject/{OBJECT_ID}", json={"state": "DONE"}), "(TYPE_ENUM)")
    refused(api.put(f"/loyaltyObject/{OBJECT_ID}", json=an_object(points=3)), 'Unknown name "points"')
    refused(api.patch(f"/loyaltyClass/{CLASS_ID}", json={"reviewStatus": "underreview"}), "(TYPE_ENUM)")

    assert standin.stored_object(OBJECT_ID)["state"] == "ACTIVE"
    notifying = {"state": "INACTIVE", "notifyPreference": "NOTIFY_ON_UPDATE"}
    patched = api.patch(f"/loyaltyObject/{OBJECT_ID}", json=notifying)
    assert patched.status_code == 200 and standin.stored_object(OBJECT_ID)["state"] == "INACTIVE"


def test_add_message_is_checked_against_the_add_message_request(api, standin):
    api.post("/loyaltyClass", json=a_class())
    api.post("/loyaltyObject", json=an_object())
    path = f"/loyaltyObject/{OBJECT_ID}/addMessage"

    refused(api.post(path, json={"message": {"header": "Hi", "messageType": "PUSH"}}), "message.message_type")
    refused(api.post(path, json={"header": "Hi"}), 'Unknown name "header"')
    added = api.post(path, json={"message": {"header": "Hi", "body": "A free coffee", "messageType": "TEXT"}})

    assert added.status_code == 200 and added.json()["resource"]["messages"][0]["body"] == "A free coffee"
    assert standin.stored_object(OBJECT_ID)["messages"][0]["header"] == "Hi"


def test_googles_json_rules_proto_names_nulls_and_int64_as_strings_or_numbers():
    accepted = an_object(
        account_name="Olena",  # the proto name of accountName
        heroImage=None,
        loyaltyPoints={"balance": {"money": {"micros": "5500000", "currencyCode": "UAH"}}},
        secondaryLoyaltyPoints={"balance": {"money": {"micros": 5500000}}, "label": "UAH"},
        validTimeInterval={"start": {"date": "2025-01-01T00:00:00Z"}},
    )
    assert google_wallet_schema.violations("LoyaltyObject", accepted) == []
    too_big = google_wallet_schema.violations("LoyaltyObject", an_object(loyaltyPoints={"balance": {"int": 2**31}}))
    assert [violation.field for violation in too_big] == ["loyalty_points.balance.int"]


def test_the_schema_is_googles_document_from_the_installed_client_not_a_copy():
    document = google_wallet_schema.discovery_document()

    assert document["id"] == "walletobjects:v1" and "LoyaltyObject" in document["schemas"]
    repository = Path(__file__).resolve().parents[2]
    assert not [p for folder in ("stampcard", "tests", "config") for p in (repository / folder).rglob("walletobjects*")]


@pytest.mark.django_db
def test_our_own_class_and_object_payloads_pass_googles_schema(card, settings):
    settings.BASE_URL = "https://loyalty.example.com"
    card = type(card).objects.select_related("program__merchant", "customer").get(pk=card.pk)
    reward = SimpleNamespace(title="Free coffee")
    vouchers = [
        SimpleNamespace(title="20% off", expires_at=clock.now() + timedelta(days=14)),
        SimpleNamespace(title="A croissant", expires_at=None),
    ]

    class_body = payloads.class_payload(program=card.program)
    object_body = payloads.object_payload(
        card=card, object_id=OBJECT_ID, class_id=CLASS_ID, rewards=[reward], vouchers=vouchers
    )

    assert google_wallet_schema.violations("LoyaltyClass", class_body) == []
    assert google_wallet_schema.violations("LoyaltyObject", object_body) == []
    notifying = {**object_body, "notifyPreference": "NOTIFY_ON_UPDATE"}
    assert google_wallet_schema.violations("LoyaltyObject", notifying) == []
    assert {m["id"] for m in object_body["textModulesData"]} == {"rewards", "vouchers", "next"}
