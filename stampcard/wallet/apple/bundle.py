"""The ``.pkpass`` zip, assembled from members kept by content.

A pass is rebuilt on every stamp, and most of its bytes are the same as in the last build: the images come from the
image cache as the same objects, and each language's ``pass.strings`` repeats from card to card. ``zipfile`` made each
of them again (CRC-32 over every PNG, a compressor per member, its headers in Python), which cost about as much as
the RSA signature. Here each member's local header (CRC-32, sizes) and stored or deflated body are computed once per
(name, content) and reused; only what is new in this build (pass.json, manifest.json, signature) is compressed afresh.

The layout is byte for byte what ``zipfile.ZipFile.writestr`` wrote before (a test compares the two): plain ZIP as in
PKWARE's APPNOTE, no ZIP64, no data descriptors, no extra fields, every entry dated 2020-01-01 so the bytes depend on
the content alone.
"""

import functools
import struct
import zlib
from dataclasses import dataclass

_STORED, _DEFLATED = 0, 8
_VERSION = 20  # "2.0": what deflate needs, and what zipfile writes for both methods
_MADE_BY = 3  # Unix, as zipfile writes on every platform but Windows
_PERMISSIONS = 0o600 << 16  # the external attributes zipfile gives a member written from bytes
_DOS_TIME, _DOS_DATE = 0, (2020 - 1980) << 9 | 1 << 5 | 1  # 2020-01-01 00:00:00

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")


@dataclass(frozen=True)
class Member:
    name: bytes
    method: int
    crc: int
    size: int
    body: bytes  # as stored in the archive: the data itself, or its raw deflate stream
    header: bytes  # the local file header, name included


def member(name: str, data: bytes) -> Member:
    """One archive member: PNGs stored (they are compressed already), everything else deflated."""
    encoded = name.encode("ascii")  # Apple's file names; non-ASCII would need the UTF-8 flag
    if name.endswith(".png"):
        method, body = _STORED, data
    else:
        # Raw deflate at zlib's default level, as zipfile's ZIP_DEFLATED.
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        method, body = _DEFLATED, compressor.compress(data) + compressor.flush()
    crc = zlib.crc32(data)
    header = _LOCAL.pack(
        b"PK\x03\x04", _VERSION, 0, 0, method, _DOS_TIME, _DOS_DATE, crc, len(body), len(data), len(encoded), 0
    )
    return Member(name=encoded, method=method, crc=crc, size=len(data), body=body, header=header + encoded)


# Keyed by (name, content): the images are the very objects of the image cache, whose hash Python keeps once computed,
# so a hit costs a dictionary lookup. Bounded: a key holds its bytes alive, and passes of a few hundred programs fit.
member_cached = functools.lru_cache(maxsize=512)(member)


def zip_members(members: list[Member]) -> bytes:
    """The archive of ``members`` in order: local records, then the central directory and its end record."""
    if len(members) >= 0xFFFF:
        raise ValueError("too many members for a ZIP without ZIP64")
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for one in members:
        central.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                _VERSION,
                _MADE_BY,
                _VERSION,
                0,
                0,
                one.method,
                _DOS_TIME,
                _DOS_DATE,
                one.crc,
                len(one.body),
                one.size,
                len(one.name),
                0,
                0,
                0,
                0,
                _PERMISSIONS,
                offset,
            )  # fmt: skip
            + one.name
        )
        parts += (one.header, one.body)
        offset += len(one.header) + len(one.body)
    directory = b"".join(central)
    if offset + len(directory) >= 0xFFFFFFFF:
        raise ValueError("too large for a ZIP without ZIP64")
    end = _END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join([*parts, directory, end])
