"""The pass's images, rendered with Pillow and cached on disk and in memory: the stamp strip per stamp count, the
icon, the logo.

A file's name is a hash of everything that shapes it (design colours, goal, stamps, scale, renderer version), so a
design change or a new count renders a new file and an old one is simply never read again. Writes go through a
temporary file and a rename, so concurrent renderers never expose half a PNG.
"""

import hashlib
import io
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from stampcard.wallet.apple import credentials
from stampcard.wallet.stamps import PLAIN, StripLook, content_digest, png, rgb, stamp_strip

RENDERER_VERSION = "3"
SCALES = (1, 2, 3)
STRIP_SIZE = (375, 144)  # points; store-card strip (@3x 1125 x 432)
ICON_SIZE = (29, 29)
LOGO_BOX = (160, 50)


def css_rgb(hex_colour: str) -> str:
    """``#1f2937`` -> ``rgb(31, 41, 55)``, the form pass.json wants."""
    r, g, b = rgb(hex_colour)
    return f"rgb({r}, {g}, {b})"


def _cache_dir() -> Path:
    path = credentials.var_dir() / "images"
    path.mkdir(parents=True, exist_ok=True)
    return path


class _MemoryCache:
    """The images read or drawn lately, kept in the process up to ``budget`` bytes, least recently used first out:
    a pass is rebuilt on every stamp, and reading its three strips and icons from disk each time cost more than
    signing it. Thread-safe (gthread workers share it)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            data = self.items.get(key)
            if data is not None:
                self.items.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = data
            self.size += len(data)
            while self.size > self.budget and self.items:
                _key, dropped = self.items.popitem(last=False)
                self.size -= len(dropped)


_memory = _MemoryCache(budget=32 * 1024 * 1024)


def _cached(key: str, render: Callable[[], bytes]) -> bytes:
    # Memory first, by the key itself: naming the file (a hash, a path, the folder made sure of) cost more than the
    # lookup, six times a pass.
    data = _memory.get(key)
    if data is not None:
        return data
    path = _cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.png"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = render()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    _memory.put(key, data)
    return data


def strip_png(
    *,
    background: str,
    foreground: str,
    accent: str,
    goal: int,
    stamps: int,
    scale: int,
    marks: tuple[int, ...] = (),
    look: StripLook = PLAIN,
) -> bytes:
    """The stamp strip of ``wallet.stamps`` at the store card's strip size for ``scale``."""
    stamps = max(0, min(stamps, goal))
    key = f"strip:{RENDERER_VERSION}:{background}:{foreground}:{accent}:{goal}:{stamps}:{scale}:{marks}:{look.key()}"
    return _cached(
        key,
        lambda: strip_render(
            background=background,
            foreground=foreground,
            accent=accent,
            goal=goal,
            stamps=stamps,
            scale=scale,
            marks=marks,
            look=look,
        ),
    )


def strip_render(
    *,
    background: str,
    foreground: str,
    accent: str,
    goal: int,
    stamps: int,
    scale: int,
    marks: tuple[int, ...] = (),
    look: StripLook = PLAIN,
) -> bytes:
    """The strip drawn afresh, uncached: the pass's (through ``strip_png``) and the designer's preview."""
    return png(
        stamp_strip(
            size=(STRIP_SIZE[0] * scale, STRIP_SIZE[1] * scale),
            background=background,
            foreground=foreground,
            accent=accent,
            goal=goal,
            stamps=max(0, min(stamps, goal)),
            marks=marks,
            look=look,
        )
    )


def icon_png(*, background: str, accent: str, scale: int) -> bytes:
    """The mandatory icon (lock screen, notifications): one filled stamp on the card's background."""
    key = f"icon:{RENDERER_VERSION}:{background}:{accent}:{scale}"

    def render() -> bytes:
        size = ICON_SIZE[0] * scale * 4
        image = Image.new("RGB", (size, size), rgb(background))
        ImageDraw.Draw(image).ellipse((size * 0.15, size * 0.15, size * 0.85, size * 0.85), fill=rgb(accent))
        return png(image.resize((ICON_SIZE[0] * scale, ICON_SIZE[1] * scale), Image.Resampling.LANCZOS))

    return _cached(key, render)


def logo_png(*, source: bytes, source_id: str, scale: int) -> bytes:
    """The program's logo fitted into the 160 x 50 pt logo box (aspect kept), as PNG."""
    key = f"logo:{RENDERER_VERSION}:{source_id}:{content_digest(source).hex()}:{scale}"

    def render() -> bytes:
        image = Image.open(io.BytesIO(source)).convert("RGBA")
        image.thumbnail((LOGO_BOX[0] * scale, LOGO_BOX[1] * scale), Image.Resampling.LANCZOS)
        return png(image)

    return _cached(key, render)
