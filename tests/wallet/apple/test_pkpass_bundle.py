"""The .pkpass archive: a ZIP every reader takes, whose repeating members' entries are made once per content, so a
changed card costs only what changed."""

import io
import json
import shutil
import subprocess
import zipfile

import pytest

from stampcard.wallet.apple import bundle, images, pkpass, services
from stampcard.wallet.apple.pkpass import pass_content_load
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db


def built_files(apple_pass) -> tuple[dict[str, bytes], bytes, bytes]:
    files = pkpass.pass_files(pass_content_load(apple_pass=apple_pass))
    manifest = pkpass.manifest_bytes(files)
    return files, manifest, b"\x30\x82signature bytes"  # the archive does not look inside the signature


def test_the_archive_holds_every_file_checked_and_compressed_as_it_should_be(apple_pass):
    files, manifest, signature = built_files(apple_pass)

    archive = pkpass.zip_pass(files, manifest, signature)

    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.testzip() is None  # every CRC-32 checks out, every local header names its member
        assert {i.filename: opened.read(i) for i in opened.infolist()} == {
            **files, "manifest.json": manifest, "signature": signature
        }  # fmt: skip
        methods = {i.filename: i.compress_type for i in opened.infolist()}
    assert {methods[name] for name in files if name.endswith(".png")} == {zipfile.ZIP_STORED}
    assert {methods[name] for name in files if name.endswith(".strings")} == {zipfile.ZIP_DEFLATED}
    assert methods["pass.json"] == methods["manifest.json"] == methods["signature"] == zipfile.ZIP_STORED


@pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip is not installed")
def test_info_zip_reads_the_archive_without_a_warning(apple_pass, tmp_path):
    files, manifest, signature = built_files(apple_pass)
    (tmp_path / "card.pkpass").write_bytes(pkpass.zip_pass(files, manifest, signature))

    result = subprocess.run(["unzip", "-t", str(tmp_path / "card.pkpass")], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No errors detected" in result.stdout and "warning" not in (result.stdout + result.stderr).lower()


def test_two_cards_of_a_program_share_the_entries_of_their_images_and_strings(apple_pass, card, program):
    card.stamps = 2
    card.save(update_fields=["stamps"])
    apple_pass.card.refresh_from_db()
    other_card_pass = services.apple_pass_ensure(card=CardFactory(program=program, stamps=5))
    bundle.repeating_entry.cache_clear()
    files, manifest, signature = built_files(apple_pass)
    first = pkpass.zip_pass(files, manifest, signature)
    made = bundle.repeating_entry.cache_info().misses

    other_files, other_manifest, other_signature = built_files(other_card_pass)
    second = pkpass.zip_pass(other_files, other_manifest, other_signature)

    repeating = [name for name in files if name.endswith((".png", ".strings"))]
    assert made == len(repeating)
    # The other card has another stamp count: only its three strips are new entries, the rest are reused.
    assert bundle.repeating_entry.cache_info().misses == made + len(images.SCALES)
    assert bundle.repeating_entry.cache_info().hits == len(repeating) - len(images.SCALES)
    with zipfile.ZipFile(io.BytesIO(first)) as one, zipfile.ZipFile(io.BytesIO(second)) as two:
        assert one.read("icon@3x.png") == two.read("icon@3x.png")
        assert one.read("strip@3x.png") != two.read("strip@3x.png")
        assert one.read("pass.json") != two.read("pass.json")  # the fresh members are each card's own


def test_a_stamp_redraws_the_strips_of_the_new_count_only(apple_pass, card, monkeypatch):
    monkeypatch.setattr(images, "_memory", images._MemoryCache(budget=10**9))
    for path in images._cache_dir().iterdir():
        path.unlink()
    drawn: list[tuple[int, int]] = []
    real_png = images.png
    monkeypatch.setattr(images, "png", lambda image: drawn.append(image.size) or real_png(image))
    card.stamps = 2
    card.save(update_fields=["stamps"])
    apple_pass.card.refresh_from_db()
    pkpass.pkpass_build(apple_pass=apple_pass)
    first = len(drawn)

    card.stamps = 3
    card.save(update_fields=["stamps"])
    apple_pass.card.refresh_from_db()
    pkpass.pkpass_build(apple_pass=apple_pass)

    strips = {(375 * scale, 144 * scale) for scale in images.SCALES}
    assert first == 6  # three icons, three strips
    assert set(drawn[first:]) == strips and len(drawn) == first + 3  # the icons were not drawn again


def test_pass_json_and_the_manifest_stay_json_that_parses(apple_pass):
    files, manifest, _signature = built_files(apple_pass)

    assert json.loads(files["pass.json"])["formatVersion"] == 1
    assert set(json.loads(manifest)) == set(files)
