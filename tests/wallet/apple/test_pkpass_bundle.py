"""The .pkpass archive: zipfile's own bytes over a cached archive of the members that repeat, and a changed card
costs only what changed."""

import io
import json
import zipfile

import pytest

from stampcard.wallet.apple import bundle, images, pkpass
from stampcard.wallet.apple.pkpass import pass_content_load

pytestmark = pytest.mark.django_db


def built_files(apple_pass) -> tuple[dict[str, bytes], bytes, bytes]:
    files = pkpass.pass_files(pass_content_load(apple_pass=apple_pass))
    manifest = pkpass.manifest_bytes(files)
    return files, manifest, b"\x30\x82signature bytes"  # the archive does not look inside the signature


def test_the_archive_holds_every_file_checked_and_compressed_as_it_should_be(apple_pass):
    files, manifest, signature = built_files(apple_pass)

    archive = pkpass.zip_pass(files, manifest, signature)

    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.testzip() is None  # every CRC-32 checks out
        assert {i.filename: opened.read(i) for i in opened.infolist()} == {
            **files, "manifest.json": manifest, "signature": signature
        }  # fmt: skip
        methods = {i.filename: i.compress_type for i in opened.infolist()}
    assert methods["strip@3x.png"] == zipfile.ZIP_STORED and methods["pass.json"] == zipfile.ZIP_DEFLATED


def test_the_members_that_repeat_come_from_the_cache_and_the_new_ones_do_not(apple_pass, card):
    files, manifest, signature = built_files(apple_pass)
    pkpass.zip_pass(files, manifest, signature)
    card.stamps += 1
    card.save(update_fields=["stamps"])
    apple_pass.card.refresh_from_db()
    bundle.repeating_archive.cache_clear()

    again, manifest, signature = built_files(apple_pass)
    first = pkpass.zip_pass(again, manifest, signature)
    changed = {**again, "pass.json": again["pass.json"].replace(b"}", b" }", 1)}
    second = pkpass.zip_pass(changed, manifest, signature)

    assert bundle.repeating_archive.cache_info().hits == 1  # the images and strings archive, the 2nd time
    with zipfile.ZipFile(io.BytesIO(second)) as opened:
        assert opened.read("pass.json") == changed["pass.json"]  # the fresh member is the new one, not the cached
    assert first != second


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
