"""Erasing a customer voids their Apple Wallet pass: the device is pushed (through the APNs stand-in) and the pass it
then fetches says ``voided``, with nothing of the customer left on it."""

import json

import pytest

from stampcard.customers.privacy import customer_erase
from tests.wallet.apple.conftest import unzip

pytestmark = pytest.mark.django_db(transaction=True)


def test_erasing_the_customer_pushes_the_device_which_then_gets_a_voided_pass(apns, device, apple_pass, manager):
    assert device.register(apple_pass).status_code == 201
    installed = device.fetch(apple_pass)
    assert "voided" not in json.loads(unzip(installed.content)["pass.json"])

    customer_erase(actor=manager.actor(), customer=apple_pass.card.customer)

    [pushed] = apns.wait_for(device.push_token)
    assert pushed.topic == apple_pass.pass_type_identifier
    fresh = device.fetch(apple_pass, if_modified_since=installed["Last-Modified"])
    assert fresh.status_code == 200
    data = json.loads(unzip(fresh.content)["pass.json"])
    assert data["voided"] is True
    assert data["barcodes"][0]["message"] != json.loads(unzip(installed.content)["pass.json"])["barcodes"][0]["message"]
