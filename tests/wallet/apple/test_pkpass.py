"""The .pkpass: a storeCard Apple accepts, signed so that openssl verifies it against the (dev) CA."""

import hashlib
import json
import subprocess
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from django.core.exceptions import ImproperlyConfigured

from stampcard.cards.links import web_card_url
from stampcard.cards.models import RewardKind
from stampcard.core import clock
from stampcard.rewards.models import Reward
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.states import VoucherState
from stampcard.wallet.apple import credentials, images, pkpass
from tests.factories import LocationFactory
from tests.wallet.apple.conftest import unzip

pytestmark = pytest.mark.django_db

REQUIRED_KEYS = {
    "formatVersion",
    "passTypeIdentifier",
    "serialNumber",
    "teamIdentifier",
    "organizationName",
    "description",
}


def openssl_verify(tmp_path, files: dict[str, bytes], ca_file) -> subprocess.CompletedProcess:
    (tmp_path / "manifest.json").write_bytes(files["manifest.json"])
    (tmp_path / "signature").write_bytes(files["signature"])
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(tmp_path / "signature"),
            "-content", str(tmp_path / "manifest.json"),
            "-CAfile", str(ca_file),
            "-out", str(tmp_path / "verified"),
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip


def test_the_signature_verifies_with_openssl_against_the_dev_ca(apple_pass, tmp_path):
    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))

    result = openssl_verify(tmp_path, files, credentials.dev_ca_path())

    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert (tmp_path / "verified").read_bytes() == files["manifest.json"]


def test_a_tampered_manifest_fails_verification(apple_pass, tmp_path):
    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))
    files["manifest.json"] = files["manifest.json"].replace(b"{", b"{ ", 1)

    assert openssl_verify(tmp_path, files, credentials.dev_ca_path()).returncode != 0


def test_the_signature_is_detached_sha256_and_carries_the_wwdr_certificate(apple_pass, tmp_path):
    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))
    signer = credentials.pass_signer()

    certificates = pkcs7.load_der_pkcs7_certificates(files["signature"])
    printed = subprocess.run(
        ["openssl", "cms", "-cmsout", "-print", "-inform", "DER"], input=files["signature"], capture_output=True
    ).stdout.decode()

    assert signer.wwdr in certificates and signer.certificate in certificates
    assert "eContent: <ABSENT>" in printed  # detached: the manifest is not inside
    assert "sha256" in printed and "signingTime" in printed


def test_every_file_is_in_the_manifest_with_its_sha1(apple_pass):
    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))
    manifest = json.loads(files["manifest.json"])

    payload = {name: data for name, data in files.items() if name not in {"manifest.json", "signature"}}
    assert set(manifest) == set(payload)
    assert all(manifest[name] == hashlib.sha1(data).hexdigest() for name, data in payload.items())
    assert {"pass.json", "icon.png", "icon@2x.png", "icon@3x.png", "strip.png", "strip@2x.png", "strip@3x.png"} <= set(
        payload
    )


def test_pass_json_is_a_store_card_with_the_qr_and_the_stamp_count(apple_pass, card):
    card.stamps = 3
    card.save(update_fields=["stamps"])
    apple_pass.card.refresh_from_db()

    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])

    assert set(data) >= REQUIRED_KEYS and data["formatVersion"] == 1
    assert data["passTypeIdentifier"] == "pass.test.stampcard.card" and data["teamIdentifier"] == "TEAMTEST01"
    assert data["serialNumber"] == apple_pass.serial_number
    assert data["authenticationToken"] == apple_pass.authentication_token and len(data["authenticationToken"]) >= 16
    assert data["webServiceURL"] == "https://wallet.example.test/wallet/apple"
    assert data["barcodes"] == [
        {
            "format": "PKBarcodeFormatQR",
            "message": card.qr_payload,
            "messageEncoding": "iso-8859-1",
            "altText": card.number,
        }
    ]
    [stamps] = data["storeCard"]["headerFields"]
    assert stamps["value"] == "3/8" and "%@" in stamps["changeMessage"]
    assert data["backgroundColor"] == "rgb(31, 41, 55)" and data["labelColor"] == "rgb(251, 191, 36)"
    assert "locations" not in data


def test_the_back_has_terms_locations_removal_and_the_web_card_link(apple_pass, merchant):
    customer = apple_pass.card.customer
    customer.language = "en"  # the pass speaks the customer's language
    customer.save(update_fields=["language"])
    LocationFactory(merchant=merchant, name="Podil", address="Sahaidachnoho 1")
    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])

    back = {field["key"]: field for field in data["storeCard"]["backFields"]}

    assert "8 stamps: Free coffee" in back["terms"]["value"]
    assert "Podil, Sahaidachnoho 1" in back["locations"]["value"]
    assert "Remove Pass" in back["remove"]["value"]
    assert back["web-card"]["value"] == web_card_url(apple_pass.card)
    assert back["web-card"]["value"].startswith("https://cards.example.test/c/")


def test_a_ukrainian_customers_pass_speaks_ukrainian(apple_pass):
    customer = apple_pass.card.customer
    customer.language = "uk"
    customer.save(update_fields=["language"])
    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])

    back = {field["key"]: field for field in data["storeCard"]["backFields"]}
    assert "8 штампів" in back["terms"]["value"]


def test_only_located_places_up_to_ten_become_lock_screen_locations(apple_pass, merchant):
    LocationFactory(merchant=merchant, name="No coordinates")
    for i in range(12):
        LocationFactory(merchant=merchant, latitude=Decimal("50.45") + i, longitude=Decimal("30.52"))

    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])

    assert len(data["locations"]) == 10
    assert data["locations"][0] == {
        "latitude": 50.45,
        "longitude": 30.52,
        "relevantText": data["locations"][0]["relevantText"],
    }


def test_ready_rewards_and_vouchers_show_on_the_front_and_the_back(apple_pass, card):
    Reward.objects.create(
        merchant=card.merchant, card=card, kind=RewardKind.AWARD, title="Free croissant", stamps_spent=8
    )
    voucher = Voucher.objects.create(
        merchant=card.merchant,
        card=card,
        code="K7QM2XWP9H",
        public_token="t" * 43,
        title="Free cappuccino",
        state=VoucherState.ACTIVE,
        valid_from=clock.now(),
    )

    data = json.loads(unzip(pkpass.pkpass_build(apple_pass=apple_pass))["pass.json"])

    secondary = {field["key"]: field for field in data["storeCard"]["secondaryFields"]}
    auxiliary = {field["key"]: field for field in data["storeCard"]["auxiliaryFields"]}
    back = {field["key"]: field for field in data["storeCard"]["backFields"]}
    assert secondary["reward"]["value"] == "Free croissant"
    assert auxiliary["vouchers"]["value"] == "Free cappuccino" and "%@" in auxiliary["vouchers"]["changeMessage"]
    assert "K7QM" in back[f"voucher-{voucher.pk}"]["value"]


def test_the_strip_shows_the_stamp_count_and_is_rendered_once_per_design_and_count(apple_dir):
    design = {"background": "#1f2937", "foreground": "#ffffff", "accent": "#fbbf24", "goal": 8}

    three = images.strip_png(**design, stamps=3, scale=2)
    files_after_first = set((apple_dir / "images").iterdir())
    again = images.strip_png(**design, stamps=3, scale=2)
    four = images.strip_png(**design, stamps=4, scale=2)

    assert three == again and three != four
    assert len(set((apple_dir / "images").iterdir()) - files_after_first) == 1  # only "four" was new
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(three)).size == (750, 288)
    assert Image.open(BytesIO(images.strip_png(**design, stamps=3, scale=3))).size == (1125, 432)


def test_a_program_logo_is_fitted_into_the_logo_box(apple_pass, card, settings, tmp_path):
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    raw = BytesIO()
    Image.new("RGB", (800, 200), (200, 30, 30)).save(raw, format="PNG")
    card.program.logo.save("logo.png", ContentFile(raw.getvalue()))

    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))

    assert Image.open(BytesIO(files["logo@2x.png"])).size == (320, 80)
    assert Image.open(BytesIO(files["logo.png"])).size == (160, 40)


def test_the_programs_pictures_are_read_once_and_again_when_a_file_changes(apple_pass, card, settings, tmp_path):
    """A pass is built on every stamp: the logo and the stamp pictures (up to 2 MB each) are not read again while
    their files stay as they are, and a file replaced under the same name is."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path

    def picture(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
        raw = BytesIO()
        Image.new("RGB", size, colour).save(raw, format="PNG")
        return raw.getvalue()

    card.program.logo.save("logo.png", ContentFile(picture((800, 200), (200, 30, 30))))
    card.program.strip_image.save("strip.png", ContentFile(picture((900, 300), (0, 150, 0))))
    opened: list[str] = []
    real_open = FileSystemStorage.open

    def counted_open(storage, name, *args):
        opened.append(name)
        return real_open(storage, name, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FileSystemStorage, "open", counted_open)
        first = unzip(pkpass.pkpass_build(apple_pass=apple_pass))
        card.stamps += 1
        card.save(update_fields=["stamps"])
        apple_pass.card.refresh_from_db()
        second = unzip(pkpass.pkpass_build(apple_pass=apple_pass))
    assert sorted(opened) == sorted([card.program.logo.name, card.program.strip_image.name])
    assert first["logo.png"] == second["logo.png"] and first["strip.png"] != second["strip.png"]

    (tmp_path / card.program.logo.name).write_bytes(picture((400, 200), (30, 30, 200)))  # replaced in place
    third = unzip(pkpass.pkpass_build(apple_pass=apple_pass))

    assert Image.open(BytesIO(third["logo.png"])).size == (100, 50)
    assert Image.open(BytesIO(third["logo.png"])).getpixel((50, 25))[:3] == (30, 30, 200)


def test_a_configured_certificate_and_key_sign_instead_of_the_dev_chain(apple_pass, settings, tmp_path):
    dev = credentials.dev_signer()
    settings.APPLE_WALLET = {
        **settings.APPLE_WALLET,
        "PASS_CERT": dev.certificate_path.read_text(),  # PEM text works as well as a path
        "PASS_KEY": str(dev.key_path),
        "WWDR_CERT": str(dev.wwdr_path),
    }

    signer = credentials.pass_signer()
    files = unzip(pkpass.pkpass_build(apple_pass=apple_pass))

    assert not credentials.is_dev() and signer.certificate_path != dev.certificate_path
    assert openssl_verify(tmp_path, files, credentials.var_dir() / "dev-ca.pem").returncode == 0


def test_a_wwdr_certificate_that_did_not_issue_the_pass_certificate_is_refused(settings):
    dev = credentials.dev_signer()
    settings.APPLE_WALLET = {
        **settings.APPLE_WALLET,
        "PASS_CERT": str(dev.certificate_path),
        "PASS_KEY": str(dev.key_path),
        "WWDR_CERT": str(dev.certificate_path),
    }

    with pytest.raises(ImproperlyConfigured, match="did not issue"):
        credentials.pass_signer()


def test_the_dev_pass_certificate_names_the_pass_type_and_team():
    cert = credentials.dev_signer().certificate

    assert cert.subject.get_attributes_for_oid(x509.NameOID.USER_ID)[0].value == "pass.test.stampcard.card"
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "TEAMTEST01"
    assert cert.issuer == credentials.dev_signer().wwdr.subject
    assert b"PRIVATE KEY" in credentials.dev_signer().key_path.read_bytes()
    assert credentials.dev_signer().key_path.stat().st_mode & 0o077 == 0
    assert serialization.load_pem_private_key(credentials.dev_signer().key_path.read_bytes(), None)


def test_the_pass_strip_follows_the_programs_stamp_picture_and_strip_picture(apple_pass, card, settings, tmp_path):
    from io import BytesIO

    from django.core.files.base import ContentFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    card.stamps = 2
    card.save()
    plain = unzip(pkpass.pkpass_build(apple_pass=apple_pass))["strip@2x.png"]

    card.program.stamp_icon = "coffee"
    card.program.save()
    coffee = unzip(pkpass.pkpass_build(apple_pass=apple_pass))["strip@2x.png"]
    raw = BytesIO()
    Image.new("RGB", (900, 300), (0, 150, 0)).save(raw, format="PNG")
    card.program.strip_image.save("strip.png", ContentFile(raw.getvalue()))
    pictured = unzip(pkpass.pkpass_build(apple_pass=apple_pass))["strip@2x.png"]

    assert len({plain, coffee, pictured}) == 3


def test_an_image_read_once_is_served_from_memory_until_the_budget_pushes_it_out(apple_dir, monkeypatch):
    design = {"background": "#101010", "foreground": "#ffffff", "accent": "#fbbf24", "goal": 8, "scale": 1}
    monkeypatch.setattr(images, "_memory", images._MemoryCache(budget=10**9))
    first = images.strip_png(**design, stamps=2)
    for path in (apple_dir / "images").iterdir():
        path.unlink()  # what is in memory is not read from disk again

    assert images.strip_png(**design, stamps=2) is first
    assert not list((apple_dir / "images").iterdir())

    five = images.strip_png(**design, stamps=5)
    monkeypatch.setattr(images, "_memory", images._MemoryCache(budget=len(first) + len(five) - 1))
    images.strip_png(**design, stamps=2)
    images.strip_png(**design, stamps=5)  # the two are over the budget: the older one leaves memory
    assert list(images._memory.items.values()) == [five]
