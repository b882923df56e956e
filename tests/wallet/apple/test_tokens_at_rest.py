"""A pass's tokens are not stored in clear, yet every pass, installed before or after the upgrade, keeps working."""

import json
import secrets

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stampcard.core import secretbox
from stampcard.wallet.apple import pkpass
from stampcard.wallet.apple.models import ApplePass, AppleRegistration
from tests.stored import columns_holding, token_altered
from tests.wallet.apple.conftest import unzip

BEFORE = ("apple_wallet", "0001_initial")


@pytest.mark.django_db
def test_the_database_holds_neither_token_of_a_pass_in_clear(apple_pass):
    stored = ApplePass.objects.get(pk=apple_pass.pk)

    assert columns_holding(stored.authentication_token, ApplePass) == []
    assert columns_holding(stored.public_token, ApplePass) == []
    assert stored.public_token_digest == secretbox.digest(stored.public_token)


@pytest.mark.django_db
def test_a_device_registers_with_the_token_the_pass_carries(device, apple_pass):
    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=ApplePass.objects.get(pk=apple_pass.pk)))["pass.json"])

    token = data["authenticationToken"]
    assert device.register(apple_pass, token=token).status_code == 201
    assert device.register(apple_pass, token=token_altered(token)).status_code == 401


@pytest.mark.django_db
def test_a_rebuilt_pass_carries_the_same_token_after_a_secret_key_rotation_with_a_fallback(apple_pass, settings):
    token = apple_pass.authentication_token
    settings.SECRET_KEY_FALLBACKS, settings.SECRET_KEY = [settings.SECRET_KEY], "rotated-" + "k" * 50

    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=ApplePass.objects.get(pk=apple_pass.pk)))["pass.json"])

    assert data["authenticationToken"] == token


@pytest.mark.django_db(transaction=True)
def test_passes_installed_before_the_upgrade_keep_their_tokens(card, device):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    OldPass = executor.loader.project_state(BEFORE).apps.get_model("apple_wallet", "ApplePass")
    old = OldPass.objects.create(
        card_id=card.pk,
        merchant_id=card.merchant_id,
        pass_type_identifier="pass.test.stampcard.card",
        authentication_token=secrets.token_urlsafe(24),
        public_token=secrets.token_urlsafe(32),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back
    upgraded = ApplePass.objects.get(pk=old.pk)

    assert columns_holding(old.authentication_token, ApplePass) == columns_holding(old.public_token, ApplePass) == []
    assert device.register(upgraded, token=old.authentication_token).status_code == 201
    assert AppleRegistration.objects.filter(apple_pass=upgraded).exists()
    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=upgraded))["pass.json"])
    assert data["authenticationToken"] == old.authentication_token  # Apple forbids a change in an update
    download = device.client.get(f"/wallet/apple/pass/{old.public_token}.pkpass")
    assert download.status_code == 200 and download["Content-Type"] == "application/vnd.apple.pkpass"

    # And back: the tokens return to their clear columns.
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    again = executor.loader.project_state(BEFORE).apps.get_model("apple_wallet", "ApplePass").objects.get(pk=old.pk)
    assert (again.authentication_token, again.public_token) == (old.authentication_token, old.public_token)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # every app: others may depend on the one rolled back
