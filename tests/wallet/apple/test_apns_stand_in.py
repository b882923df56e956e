"""The APNs stand-in holds clients to the protocol, so tests against it prove what real APNs would accept."""

import ssl
import time

import httpx
import jwt
import pytest

from stampcard.wallet.apple import credentials
from stampcard.wallet.apple.apns import ApnsClient

TOKEN = "0a" * 32


@pytest.fixture
def http(apns):
    client = httpx.Client(http2=True, base_url=apns.url, verify=ssl.create_default_context(cafile=apns.ca_file))
    yield client
    client.close()


def bearer(iat: float | None = None, key=None) -> str:
    apns_key = credentials.apns_token_key()
    token = jwt.encode(
        {"iss": apns_key.team_id, "iat": int(iat or time.time())},
        key or apns_key.key,
        algorithm="ES256",
        headers={"kid": apns_key.key_id},
    )
    return f"bearer {token}"


def post(http, path=f"/3/device/{TOKEN}", body=b"{}", **headers):
    base = {"apns-topic": "pass.test.stampcard.card", "authorization": bearer()}
    base.update({k.replace("_", "-"): v for k, v in headers.items() if v is not None})
    base = {k: v for k, v in base.items() if v != ""}
    return http.post(path, content=body, headers=base)


def test_a_well_formed_push_is_accepted_over_http2_and_recorded(apns, http):
    response = post(http)

    assert response.status_code == 200 and response.http_version == "HTTP/2"
    assert response.headers["apns-id"]
    assert [p.push_token for p in apns.received] == [TOKEN]


@pytest.mark.parametrize(
    ("kwargs", "status", "reason"),
    [
        ({"apns_topic": ""}, 400, "MissingTopic"),
        ({"authorization": ""}, 403, "MissingProviderToken"),
        ({"authorization": "bearer not-a-jwt"}, 403, "InvalidProviderToken"),
        ({"authorization": lambda: bearer(iat=time.time() - 7200)}, 403, "ExpiredProviderToken"),
        ({"path": "/3/device/not-hex!"}, 400, "BadDeviceToken"),
        ({"body": b"not json"}, 400, "BadPayload"),
        ({"body": b"{" + b" " * 5000 + b"}"}, 413, "PayloadTooLarge"),
    ],
)
def test_protocol_errors_get_apns_status_and_reason(apns, http, kwargs, status, reason):
    response = post(http, **{k: v() if callable(v) else v for k, v in kwargs.items()})

    assert (response.status_code, response.json()["reason"]) == (status, reason)
    assert apns.received == []


def test_http1_clients_are_turned_away(apns):
    context = ssl.create_default_context(cafile=apns.ca_file)
    with httpx.Client(http2=False, verify=context) as client, pytest.raises(httpx.HTTPError):
        client.post(f"{apns.url}/3/device/{TOKEN}", content=b"{}")


def test_it_answers_as_told_for_a_token_and_410_carries_a_timestamp(apns, http):
    apns.respond(TOKEN, 410)
    apns.respond("0b" * 32, 429, times=1)

    gone = post(http)
    busy = post(http, path=f"/3/device/{'0b' * 32}")
    later = post(http, path=f"/3/device/{'0b' * 32}")

    assert gone.status_code == 410 and gone.json()["reason"] == "Unregistered" and gone.json()["timestamp"] > 0
    assert busy.status_code == 429 and later.status_code == 200


def test_the_client_sends_what_apns_expects(apns):
    with ApnsClient(topic="pass.test.stampcard.card") as client:
        results = client.push_many([TOKEN, TOKEN, "0c" * 32])

    assert [r.status for r in results] == [200, 200]  # the duplicate token was pushed once
    assert {p.headers["apns-priority"] for p in apns.received} == {"5"}
    assert all(p.payload == b"{}" and p.topic == "pass.test.stampcard.card" for p in apns.received)
