"""Apple Wallet fixtures: the dev signing chain in a per-run folder, a pass with a registered device, the APNs
stand-in on loopback, and a tasks backend that runs tasks at once."""

import zipfile
from dataclasses import dataclass
from io import BytesIO

import pytest
from django.test import Client

from stampcard.sandbox.apns import ApnsStandIn
from stampcard.wallet.apple import credentials, services
from stampcard.wallet.apple.models import ApplePass


@pytest.fixture(scope="session")
def apple_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("apple_wallet")


@pytest.fixture(autouse=True)
def _apple_settings(settings, apple_dir):
    settings.APPLE_WALLET = {
        **settings.APPLE_WALLET,
        "PASS_TYPE_ID": "pass.test.stampcard.card",
        "TEAM_ID": "TEAMTEST01",
        "APNS_TEAM_ID": "TEAMTEST01",
        "PASS_CERT": "",
        "PASS_P12": "",
        "APNS_KEY": "",
        "VAR_DIR": apple_dir,
        "WEB_SERVICE_URL": "https://wallet.example.test/wallet/apple",
        "APNS_URL": "https://127.0.0.1:9",  # nothing listens: tests that push start the stand-in
    }
    settings.BASE_URL = "https://cards.example.test"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def apns(settings, apple_dir):
    """The APNs stand-in, trusted by the client, verifying our dev provider token."""
    key = credentials.apns_token_key()
    stand_in = ApnsStandIn(
        tls_dir=apple_dir / "apns-tls",
        token_keys={key.key_id: key.key.public_key()},
        team_id=key.team_id,
        client_ca=credentials.dev_ca_path(),
    ).start()
    settings.APPLE_WALLET = {**settings.APPLE_WALLET, "APNS_URL": stand_in.url, "APNS_CA_FILE": stand_in.ca_file}
    yield stand_in
    stand_in.stop()


@pytest.fixture
def apple_pass(card) -> ApplePass:
    return services.apple_pass_ensure(card=card)


@dataclass
class Device:
    """A phone's Wallet: registers with the web service the way iOS does."""

    library_id: str
    push_token: str
    client: Client

    def register(self, p: ApplePass, token: str | None = None):
        return self.client.post(
            f"/wallet/apple/v1/devices/{self.library_id}/registrations/{p.pass_type_identifier}/{p.serial_number}",
            data={"pushToken": self.push_token},
            content_type="application/json",
            headers={"Authorization": f"ApplePass {token or p.authentication_token}"},
        )

    def serials(self, pass_type: str, since: str | None = None):
        query = f"?passesUpdatedSince={since}" if since is not None else ""
        return self.client.get(f"/wallet/apple/v1/devices/{self.library_id}/registrations/{pass_type}{query}")

    def fetch(self, p: ApplePass, if_modified_since: str | None = None):
        headers = {"Authorization": f"ApplePass {p.authentication_token}"}
        if if_modified_since:
            headers["If-Modified-Since"] = if_modified_since
        return self.client.get(f"/wallet/apple/v1/passes/{p.pass_type_identifier}/{p.serial_number}", headers=headers)


@pytest.fixture
def device() -> Device:
    return Device(library_id="a1b2c3d4e5f6", push_token="ab" * 32, client=Client())


@pytest.fixture
def other_device() -> Device:
    return Device(library_id="ffeeddccbbaa", push_token="cd" * 32, client=Client())


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}
