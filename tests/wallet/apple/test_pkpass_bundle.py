"""The .pkpass archive from cached members: the same bytes zipfile wrote, and a changed card costs only what changed."""

import io
import json
import zipfile

import pytest

from stampcard.wallet.apple import bundle, images, pkpass
from stampcard.wallet.apple.pkpass import pass_content_load

pytestmark = pytest.mark.django_db


def zipfile_archive(files: dict[str, bytes]) -> bytes:
    """What ``pkpass.zip_pass`` wrote with ``zipfile`` before the member cache: the reference layout."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            compression = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return out.getvalue()


def built_files(apple_pass) -> tuple[dict[str, bytes], bytes, bytes]:
    files = pkpass.pass_files(pass_content_load(apple_pass=apple_pass))
    manifest = pkpass.manifest_bytes(files)
    return files, manifest, b"\x30\x82signature bytes"  # the archive does not look inside the signature


def test_the_archive_is_byte_for_byte_what_zipfile_writes(apple_pass):
    files, manifest, signature = built_files(apple_pass)

    archive = pkpass.zip_pass(files, manifest, signature)

    assert archive == zipfile_archive({**files, "manifest.json": manifest, "signature": signature})
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.testzip() is None  # every CRC-32 checks out
        assert {i.filename: i.compress_type for i in opened.infolist()}["strip@3x.png"] == zipfile.ZIP_STORED
        assert {i.filename: i.compress_type for i in opened.infolist()}["pass.json"] == zipfile.ZIP_DEFLATED


def test_the_members_that_repeat_come_from_the_cache_and_the_new_ones_do_not(apple_pass, card):
    files, manifest, signature = built_files(apple_pass)
    pkpass.zip_pass(files, manifest, signature)
    card.stamps += 1
    card.save(update_fields=["stamps"])
    apple_pass.card.refresh_from_db()
    bundle.member_cached.cache_clear()

    again, manifest, signature = built_files(apple_pass)
    pkpass.zip_pass(again, manifest, signature)
    pkpass.zip_pass(again, manifest, signature)

    cacheable = [name for name in again if name.endswith((".png", ".strings"))]
    assert bundle.member_cached.cache_info().hits == len(cacheable)  # every image and strings file, the 2nd time
    assert "pass.json" not in cacheable and len(cacheable) >= 8


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
