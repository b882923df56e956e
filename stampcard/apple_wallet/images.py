"""The pass's images, rendered with Pillow and cached on disk: the stamp strip per stamp count, the icon, the logo.

A file's name is a hash of everything that shapes it (design colours, goal, stamps, scale, renderer version), so a
design change or a new count renders a new file and an old one is simply never read again. Writes go through a
temporary file and a rename, so concurrent renderers never expose half a PNG.
"""

import functools
import hashlib
import io
import math
import os
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from stampcard.apple_wallet import credentials

RENDERER_VERSION = "1"
SCALES = (1, 2, 3)
STRIP_SIZE = (375, 144)  # points; store-card strip (@3x 1125 x 432)
ICON_SIZE = (29, 29)
LOGO_BOX = (160, 50)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def css_rgb(hex_colour: str) -> str:
    """``#1f2937`` -> ``rgb(31, 41, 55)``, the form pass.json wants."""
    r, g, b = _rgb(hex_colour)
    return f"rgb({r}, {g}, {b})"


def _cache_dir() -> Path:
    path = credentials.var_dir() / "images"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cached(key: str, render: Callable[[], bytes]) -> bytes:
    path = _cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = render()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def grid(count: int, width: float, height: float) -> tuple[int, int]:
    """Rows and columns that give ``count`` stamps the largest cells in a ``width`` x ``height`` box."""
    best = (1, count)
    best_cell = 0.0
    for rows in range(1, count + 1):
        cols = math.ceil(count / rows)
        cell = min(width / cols, height / rows)
        if cell > best_cell:
            best, best_cell = (rows, cols), cell
    return best


def strip_png(*, background: str, foreground: str, accent: str, goal: int, stamps: int, scale: int) -> bytes:
    """The stamp grid: ``stamps`` filled stamps (accent colour, with a tick) and ``goal - stamps`` empty ones."""
    stamps = max(0, min(stamps, goal))
    key = f"strip:{RENDERER_VERSION}:{background}:{foreground}:{accent}:{goal}:{stamps}:{scale}"
    return _cached(key, functools.partial(_render_strip, background, foreground, accent, goal, stamps, scale))


def _render_strip(background: str, foreground: str, accent: str, goal: int, stamps: int, scale: int) -> bytes:
    width, height = STRIP_SIZE[0] * scale, STRIP_SIZE[1] * scale
    # Drawn at 4x and scaled down: Pillow's ellipses are not anti-aliased.
    ss = 4
    canvas = Image.new("RGB", (width * ss, height * ss), _rgb(background))
    draw = ImageDraw.Draw(canvas)
    margin = 10 * scale * ss
    inner_w, inner_h = width * ss - 2 * margin, height * ss - 2 * margin
    rows, cols = grid(goal, inner_w, inner_h)
    cell = min(inner_w / cols, inner_h / rows)
    radius = cell * 0.40
    line = max(ss, round(cell * 0.06))
    origin_x = (width * ss - cols * cell) / 2
    origin_y = (height * ss - rows * cell) / 2
    fg, acc, bg = _rgb(foreground), _rgb(accent), _rgb(background)
    for i in range(goal):
        row, col = divmod(i, cols)
        # The last row is centred when it is not full.
        in_row = cols if row < rows - 1 else goal - cols * (rows - 1)
        offset = (cols - in_row) * cell / 2
        cx = origin_x + offset + col * cell + cell / 2
        cy = origin_y + row * cell + cell / 2
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        if i < stamps:
            draw.ellipse(box, fill=acc)
            tick = [
                (cx - radius * 0.45, cy + radius * 0.02),
                (cx - radius * 0.12, cy + radius * 0.35),
                (cx + radius * 0.48, cy - radius * 0.30),
            ]
            draw.line(tick, fill=bg, width=line * 2, joint="curve")
        else:
            draw.ellipse(box, outline=fg, width=line)
    return _png(canvas.resize((width, height), Image.Resampling.LANCZOS))


def icon_png(*, background: str, accent: str, scale: int) -> bytes:
    """The mandatory icon (lock screen, notifications): one filled stamp on the card's background."""
    key = f"icon:{RENDERER_VERSION}:{background}:{accent}:{scale}"

    def render() -> bytes:
        size = ICON_SIZE[0] * scale * 4
        image = Image.new("RGB", (size, size), _rgb(background))
        ImageDraw.Draw(image).ellipse((size * 0.15, size * 0.15, size * 0.85, size * 0.85), fill=_rgb(accent))
        return _png(image.resize((ICON_SIZE[0] * scale, ICON_SIZE[1] * scale), Image.Resampling.LANCZOS))

    return _cached(key, render)


def logo_png(*, source: bytes, source_id: str, scale: int) -> bytes:
    """The program's logo fitted into the 160 x 50 pt logo box (aspect kept), as PNG."""
    key = f"logo:{RENDERER_VERSION}:{source_id}:{hashlib.sha256(source).hexdigest()}:{scale}"

    def render() -> bytes:
        image = Image.open(io.BytesIO(source)).convert("RGBA")
        image.thumbnail((LOGO_BOX[0] * scale, LOGO_BOX[1] * scale), Image.Resampling.LANCZOS)
        return _png(image)

    return _cached(key, render)
