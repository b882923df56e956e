"""The ``.pkpass`` zip, written here from members whose ZIP entries are made once per content.

A pass is rebuilt on every stamp, and most of its bytes are the same as in the last build: the images come from the
image cache as the same objects, and each language's ``pass.strings`` repeats from card to card. So each repeating
member's entry (local header, CRC-32, data) is made once per (name, content) and kept; a build joins those entries,
appends the fresh members (pass.json, manifest.json, signature) and writes the central directory. ``zipfile``'s
append mode did the same job in about six times the time: it parsed the cached archive's directory back, and
deflating a fresh member set up a zlib stream (~65 us) for a few KB.

The format is the plain subset every reader takes (PKWARE APPNOTE 4.3): no ZIP64 (a pass is far below 4 GB and
65535 files), no data descriptors, no extra fields, ASCII names. Stored members are common in passes (pass-js
stores everything) and Wallet reads them like deflated ones.
"""

import functools
import struct
import zlib
from typing import NamedTuple

# Every member dated 2020-01-01 00:00 (MS-DOS date and time), so an archive's bytes depend on its content alone.
_DOS_DATE = (2020 - 1980) << 9 | 1 << 5 | 1
_DOS_TIME = 0
_VERSION = 20  # 2.0: deflate; what zipfile writes for every member too
_MADE_BY = 3 << 8 | _VERSION  # Unix, so the permissions below mean something to unzip
_PERMISSIONS = 0o644 << 16
_STORED, _DEFLATED = 0, 8

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")

# Repeating text members (the UTF-16 pass.strings halve when deflated) are compressed once, when their entry is
# made. PNGs are compressed already and stay stored.
_DEFLATED_SUFFIXES = (".strings",)


class Entry(NamedTuple):
    """One member's local entry (header + data) and what its central directory record repeats."""

    header: bytes
    data: bytes
    name: bytes
    method: int
    crc: int
    size: int


def _entry(name: str, data: bytes, method: int) -> Entry:
    encoded = name.encode("ascii")  # no UTF-8 flag needed: every name of a pass is ASCII
    payload = data
    if method == _DEFLATED:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as ZIP stores it
        payload = packer.compress(data) + packer.flush()
    crc = zlib.crc32(data)
    header = _LOCAL.pack(
        b"PK\x03\x04", _VERSION, 0, method, _DOS_TIME, _DOS_DATE, crc, len(payload), len(data), len(encoded), 0
    )
    return Entry(header + encoded, payload, encoded, method, crc, len(data))


# Keyed by (name, content): the images are the very objects of the image cache, and bytes keep their hash once
# computed, so a hit costs a tuple's hash. An entry holds the PNG object itself (no copy), so the cache adds little
# memory beyond keeping those images alive; bounded all the same.
@functools.lru_cache(maxsize=256)
def repeating_entry(name: str, data: bytes) -> Entry:
    return _entry(name, data, _DEFLATED if name.endswith(_DEFLATED_SUFFIXES) else _STORED)


def zip_bundle(repeating: dict[str, bytes], fresh: list[tuple[str, bytes]]) -> bytes:
    """The archive of the ``repeating`` members (their entries from the cache when made before) followed by the
    ``fresh`` ones, stored."""
    entries = [repeating_entry(name, data) for name, data in repeating.items()]
    entries += [_entry(name, data, _STORED) for name, data in fresh]
    parts: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for entry in entries:
        directory.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                _MADE_BY,
                _VERSION,
                0,
                entry.method,
                _DOS_TIME,
                _DOS_DATE,
                entry.crc,
                len(entry.data),
                entry.size,
                len(entry.name),
                0,
                0,
                0,
                0,
                _PERMISSIONS,
                offset,
            )
            + entry.name
        )
        parts += (entry.header, entry.data)
        offset += len(entry.header) + len(entry.data)
    central = b"".join(directory)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), offset, 0)
    return b"".join([*parts, central, end])
