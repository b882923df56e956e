"""The PassKit web service: every endpoint with the status codes Apple's devices expect."""

import datetime as dt

import pytest
from django.utils.http import http_date

from stampcard.cards.models import Card
from stampcard.core.clock import frozen_at
from stampcard.wallet.apple import pkpass, selectors
from stampcard.wallet.apple.links import apple_pass_url
from stampcard.wallet.apple.models import AppleDeviceLog, AppleRegistration
from stampcard.wallet.apple.services import apple_pass_ensure
from tests.factories import CardFactory
from tests.wallet.apple.conftest import unzip

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 10, 0, 0, 500_000, tzinfo=dt.UTC)


def touch(card, at):
    Card.objects.filter(pk=card.pk).update(changed_at=at)


# --- register / unregister -------------------------------------------------------------------------------------


def test_registering_a_device_answers_201_then_200(device, apple_pass):
    assert device.register(apple_pass).status_code == 201
    assert device.register(apple_pass).status_code == 200
    [registration] = AppleRegistration.objects.all()
    assert registration.push_token == device.push_token and registration.device_library_identifier == "a1b2c3d4e5f6"


def test_registering_again_with_a_new_push_token_keeps_one_registration_with_the_new_token(device, apple_pass):
    device.register(apple_pass)
    device.push_token = "ef" * 32

    assert device.register(apple_pass).status_code == 200
    assert list(AppleRegistration.objects.values_list("push_token", flat=True)) == ["ef" * 32]


def test_a_wrong_token_an_unknown_serial_or_another_pass_type_is_401(device, apple_pass, card):
    other = apple_pass_ensure(card=CardFactory(program=card.program))

    assert device.register(apple_pass, token="x" * 32).status_code == 401
    assert device.register(apple_pass, token=other.authentication_token).status_code == 401
    url = f"/wallet/apple/v1/devices/d/registrations/{apple_pass.pass_type_identifier}/nope"
    assert device.client.post(url, {"pushToken": "ab"}, content_type="application/json").status_code == 401
    url = f"/wallet/apple/v1/devices/d/registrations/pass.other/{apple_pass.serial_number}"
    headers = {"Authorization": f"ApplePass {apple_pass.authentication_token}"}
    assert (
        device.client.post(url, {"pushToken": "ab"}, content_type="application/json", headers=headers).status_code
        == 401
    )
    assert not AppleRegistration.objects.exists()


def test_the_token_needs_the_applepass_scheme(device, apple_pass):
    url = f"/wallet/apple/v1/devices/d/registrations/{apple_pass.pass_type_identifier}/{apple_pass.serial_number}"
    headers = {"Authorization": f"Bearer {apple_pass.authentication_token}"}

    response = device.client.post(url, {"pushToken": "ab"}, content_type="application/json", headers=headers)

    assert response.status_code == 401


def test_registering_without_a_push_token_is_400(device, apple_pass):
    url = f"/wallet/apple/v1/devices/d/registrations/{apple_pass.pass_type_identifier}/{apple_pass.serial_number}"
    headers = {"Authorization": f"ApplePass {apple_pass.authentication_token}"}

    assert device.client.post(url, "{}", content_type="application/json", headers=headers).status_code == 400
    assert device.client.post(url, "not json", content_type="application/json", headers=headers).status_code == 400


def test_unregistering_answers_200_and_removes_only_that_device(device, other_device, apple_pass):
    device.register(apple_pass)
    other_device.register(apple_pass)
    url = (
        f"/wallet/apple/v1/devices/{device.library_id}/registrations/"
        f"{apple_pass.pass_type_identifier}/{apple_pass.serial_number}"
    )

    assert device.client.delete(url, headers={"Authorization": "ApplePass wrong-token-wrong-token"}).status_code == 401
    response = device.client.delete(url, headers={"Authorization": f"ApplePass {apple_pass.authentication_token}"})

    assert response.status_code == 200
    assert list(AppleRegistration.objects.values_list("device_library_identifier", flat=True)) == ["ffeeddccbbaa"]


def test_the_registration_endpoint_accepts_only_post_and_delete(device, apple_pass):
    url = f"/wallet/apple/v1/devices/d/registrations/{apple_pass.pass_type_identifier}/{apple_pass.serial_number}"

    assert device.client.get(url).status_code == 405


# --- serials updated since -------------------------------------------------------------------------------------


def test_serials_of_a_device_without_passes_is_204(device):
    assert device.serials("pass.test.stampcard.card").status_code == 204


def test_serials_list_the_devices_passes_with_a_string_tag_then_204_since_that_tag(device, apple_pass, card):
    second = apple_pass_ensure(card=CardFactory(program=card.program))
    touch(card, T0)
    touch(second.card, T0 + dt.timedelta(seconds=3))
    device.register(apple_pass)
    device.register(second)

    with frozen_at(T0 + dt.timedelta(minutes=5)):
        first = device.serials(apple_pass.pass_type_identifier)
        tag = first.json()["lastUpdated"]
        again = device.serials(apple_pass.pass_type_identifier, since=tag)
        touch(card, T0 + dt.timedelta(minutes=1))
        later = device.serials(apple_pass.pass_type_identifier, since=tag)

    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert sorted(first.json()["serialNumbers"]) == sorted([apple_pass.serial_number, second.serial_number])
    assert isinstance(tag, str) and selectors.datetime_from_tag(tag) == T0 + dt.timedelta(seconds=3)
    assert again.status_code == 204
    assert later.status_code == 200 and later.json()["serialNumbers"] == [apple_pass.serial_number]


def test_a_change_still_in_the_skew_window_is_reported_again_until_the_window_passes(device, apple_pass, card):
    touch(card, T0)
    device.register(apple_pass)

    with frozen_at(T0 + dt.timedelta(seconds=1)):
        tag = device.serials(apple_pass.pass_type_identifier).json()["lastUpdated"]
        again = device.serials(apple_pass.pass_type_identifier, since=tag)
    with frozen_at(T0 + dt.timedelta(seconds=10)):
        settled = device.serials(apple_pass.pass_type_identifier, since=again.json()["lastUpdated"])
        tag = settled.json()["lastUpdated"]
        done = device.serials(apple_pass.pass_type_identifier, since=tag)

    assert again.status_code == 200  # a transaction stamped earlier may still commit
    assert settled.status_code == 200 and selectors.datetime_from_tag(tag) == T0
    assert done.status_code == 204


def test_serials_only_cover_the_asking_device_and_pass_type(device, other_device, apple_pass):
    other_device.register(apple_pass)

    assert device.serials(apple_pass.pass_type_identifier).status_code == 204
    assert other_device.serials("pass.other.type").status_code == 204
    assert other_device.serials(apple_pass.pass_type_identifier, since="garbage").status_code == 200


# --- latest pass ------------------------------------------------------------------------------------------------


def test_the_latest_pass_is_a_signed_pkpass_with_last_modified(device, apple_pass, card):
    touch(card, T0)
    with frozen_at(T0 + dt.timedelta(minutes=1)):
        response = device.fetch(apple_pass)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.pkpass"
    assert response["Last-Modified"] == http_date(T0.replace(microsecond=0).timestamp())
    assert {"pass.json", "manifest.json", "signature"} <= set(unzip(response.content))


def test_an_unchanged_pass_is_304_and_a_changed_one_200(device, apple_pass, card):
    touch(card, T0)
    with frozen_at(T0 + dt.timedelta(minutes=1)):
        last_modified = device.fetch(apple_pass)["Last-Modified"]
        unchanged = device.fetch(apple_pass, if_modified_since=last_modified)
        touch(card, T0 + dt.timedelta(seconds=30))
        changed = device.fetch(apple_pass, if_modified_since=last_modified)

    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200


def test_a_304_builds_and_signs_nothing(device, apple_pass, card, monkeypatch):
    touch(card, T0)
    with frozen_at(T0 + dt.timedelta(minutes=1)):
        last_modified = device.fetch(apple_pass)["Last-Modified"]
        monkeypatch.setattr(pkpass, "pass_content_load", lambda **kw: pytest.fail("a 304 loaded what the pass shows"))
        monkeypatch.setattr(pkpass, "pass_files", lambda content: pytest.fail("a 304 built the pass"))
        monkeypatch.setattr(pkpass, "sign_manifest", lambda manifest, signer: pytest.fail("a 304 signed a pass"))
        monkeypatch.setattr(pkpass, "zip_pass", lambda *args: pytest.fail("a 304 zipped a pass"))
        unchanged = device.fetch(apple_pass, if_modified_since=last_modified)

    assert unchanged.status_code == 304


def test_a_change_in_the_current_second_is_not_hidden_by_a_304(device, apple_pass, card):
    touch(card, T0)
    with frozen_at(T0 + dt.timedelta(milliseconds=100)):  # same second as the change
        first = device.fetch(apple_pass)
    touch(card, T0 + dt.timedelta(milliseconds=300))  # a second change within that second
    with frozen_at(T0 + dt.timedelta(seconds=2)):
        second = device.fetch(apple_pass, if_modified_since=first["Last-Modified"])

    assert second.status_code == 200


def test_the_latest_pass_needs_the_pass_token(device, apple_pass):
    url = f"/wallet/apple/v1/passes/{apple_pass.pass_type_identifier}/{apple_pass.serial_number}"

    assert device.client.get(url).status_code == 401
    assert device.client.get(url, headers={"Authorization": "ApplePass " + "y" * 32}).status_code == 401


# --- log ---------------------------------------------------------------------------------------------------------


def test_device_logs_are_stored_and_answered_200(device):
    lines = ["Register task (for device a1b2, pass type pass.x, serial number 1) encountered error: Auth failure"]

    response = device.client.post("/wallet/apple/v1/log", {"logs": lines}, content_type="application/json")

    assert response.status_code == 200
    assert list(AppleDeviceLog.objects.values_list("message", flat=True)) == lines
    assert device.client.post("/wallet/apple/v1/log", "nope", content_type="application/json").status_code == 400


# --- public download -------------------------------------------------------------------------------------------


def test_the_customer_pages_download_the_pass_from_apple_pass_url(device, card):
    url = apple_pass_url(card)

    response = device.client.get(url.removeprefix("https://cards.example.test"))

    assert url.startswith("https://cards.example.test/wallet/apple/pass/") and url.endswith(".pkpass")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.apple.pkpass"
    assert unzip(response.content)["pass.json"]
    assert apple_pass_url(card) == url  # stable


def test_an_unknown_download_token_is_404(device):
    assert device.client.get("/wallet/apple/pass/" + "z" * 43 + ".pkpass").status_code == 404
