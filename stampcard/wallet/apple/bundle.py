"""The ``.pkpass`` zip, written by ``zipfile`` onto an archive of the members that repeat.

A pass is rebuilt on every stamp, and most of its bytes are the same as in the last build: the images come from the
image cache as the same objects, and each language's ``pass.strings`` repeats from card to card. Writing them again
(a CRC-32 over every PNG, a header each) cost about as much as the RSA signature. So the archive of those members is
kept, keyed by their names and contents, and each build copies it and appends only what is new (pass.json,
manifest.json, signature) in ``zipfile``'s append mode: every byte of the ZIP format is still ``zipfile``'s.
"""

import functools
import io
import zipfile

# Every member dated the same, so an archive's bytes depend on its content alone.
_MEMBER_DATE = (2020, 1, 1, 0, 0, 0)


# Stored as they are: PNGs are compressed already, and the signature is DER (random-looking bytes); deflating
# either costs time and saves nothing.
_STORED_SUFFIXES = (".png", "signature")
# The text members are a few KB of JSON and strings: zlib's fastest level takes a fraction of the default's time
# for a file a few percent larger.
_TEXT_LEVEL = 1


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    stored = name.endswith(_STORED_SUFFIXES)
    archive.writestr(
        zipfile.ZipInfo(name, date_time=_MEMBER_DATE),
        data,
        compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
        compresslevel=None if stored else _TEXT_LEVEL,
    )


# Keyed by the members' (name, content) pairs: the images are the very objects of the image cache, and bytes keep
# their hash once computed, so a hit costs a tuple's hash. Bounded: an entry holds an archive of ~150 KB.
@functools.lru_cache(maxsize=64)
def repeating_archive(members: tuple[tuple[str, bytes], ...]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            _write(archive, name, data)
    return out.getvalue()


def zip_bundle(repeating: dict[str, bytes], fresh: list[tuple[str, bytes]]) -> bytes:
    """The archive of ``repeating`` members (from the cache when built before) followed by the ``fresh`` ones."""
    out = io.BytesIO(repeating_archive(tuple(repeating.items())))
    with zipfile.ZipFile(out, "a") as archive:
        for name, data in fresh:
            _write(archive, name, data)
    return out.getvalue()
