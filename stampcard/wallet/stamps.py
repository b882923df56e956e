"""The stamp strip both wallets show (Apple's strip image, Google's hero image): one drawing, so a customer sees
the same card in either wallet. Filled stamps carry the program's stamp picture (a tick unless the merchant chose
another built-in one or uploaded their own), a milestone gets a second ring, a strip picture may lie behind the
stamps, and a goal too long for a row of stamps becomes a progress bar. The panel's designer previews the card with
these same functions."""

import datetime as dt
import functools
import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageDraw, UnidentifiedImageError

from stampcard.cards.models import Program

MAX_SLOTS = 30  # beyond this a grid of dots says nothing; bigger goals show a progress bar
SUPERSAMPLE = 4  # drawn larger and scaled down: Pillow's ellipses are not anti-aliased


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass(frozen=True)
class StripLook:
    """What the strip shows besides colours: a built-in stamp picture, or the merchant's pictures (PNG/JPEG bytes)
    of a collected and of an empty stamp, and a picture behind the stamps."""

    icon: str = "tick"
    filled: bytes | None = None
    empty: bytes | None = None
    backdrop: bytes | None = None

    def key(self) -> str:
        """A short fingerprint of the look, for cache keys and image URLs."""
        digest = hashlib.sha256()
        for part in (self.filled, self.empty, self.backdrop):
            digest.update(content_digest(part or b""))
        return f"{self.icon}:{digest.hexdigest()[:16]}"


PLAIN = StripLook()


# The pictures are the same objects build after build (``stored_bytes``), and bytes keep their hash once computed:
# a hit costs a lookup, where hashing a picture of up to 2 MB again cost milliseconds, three times a pass. As many as
# ``_read_version`` keeps, so the two hold the same pictures (at most 32 x 2 MB a process) rather than twice as many.
@functools.lru_cache(maxsize=32)
def content_digest(data: bytes) -> bytes:
    """SHA-256 of ``data``."""
    return hashlib.sha256(data).digest()


def stored_bytes(field: FieldFile) -> bytes | None:
    """An uploaded picture's bytes, or None when there is none or it cannot be read (a missing file must not stop the
    card from rendering).

    The same bytes object comes back while the file keeps its name, size and modification time: a pass is built on
    every stamp, and reading its pictures (up to 2 MB each) every time cost several times the rest of the build.
    """
    storage, name = field.storage, field.name
    if not name:
        return None
    try:
        try:
            version = (storage.size(name), storage.get_modified_time(name))
        except NotImplementedError:  # a storage that cannot tell: read every time
            return _read(storage, name)
        return _read_version(storage, name, *version)
    except (OSError, ValueError):
        return None


def _read(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return bytes(handle.read())


# Bounded by count: pictures are at most 2 MB (the designer's limit) and most are far smaller.
@functools.lru_cache(maxsize=32)
def _read_version(storage: Storage, name: str, size: int, modified: dt.datetime) -> bytes:  # noqa: ARG001 - the key
    return _read(storage, name)


def program_look(program: Program) -> StripLook:
    """The program's stamp pictures and strip picture, read from storage."""
    return StripLook(
        icon=program.stamp_icon or "tick",
        filled=stored_bytes(program.stamp_image),
        empty=stored_bytes(program.stamp_empty_image),
        backdrop=stored_bytes(program.strip_image),
    )


def open_image(data: bytes | None) -> Image.Image | None:
    """A picture from bytes, or None when there are none or they are no picture (a broken upload must not stop a
    pass from rendering)."""
    if not data:
        return None
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return image.convert("RGBA")


def grid(count: int, width: float, height: float) -> tuple[int, int]:
    """Rows and columns that give ``count`` stamps the largest cells in a ``width`` x ``height`` box."""
    best, best_cell = (1, count), 0.0
    for rows in range(1, count + 1):
        cols = math.ceil(count / rows)
        cell = min(width / cols, height / rows)
        if cell > best_cell:
            best, best_cell = (rows, cols), cell
    return best


def stamp_strip(
    *,
    size: tuple[int, int],
    background: str,
    foreground: str,
    accent: str,
    goal: int,
    stamps: int,
    marks: tuple[int, ...] = (),
    look: StripLook = PLAIN,
) -> Image.Image:
    """``stamps`` of ``goal`` stamps filled; ``marks`` are the stamp counts where a milestone waits."""
    stamps = max(0, min(stamps, goal))
    width, height = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    bg, fg, acc = rgb(background), rgb(foreground), rgb(accent)
    canvas = Image.new("RGB", (width, height), bg)
    backdrop = open_image(look.backdrop)
    if backdrop is not None:
        _paste_cover(canvas, backdrop)
    draw = ImageDraw.Draw(canvas)
    margin = round(min(width, height) * 0.07)
    if goal > MAX_SLOTS:
        bar_h = round(height * 0.15)
        top = (height - bar_h) // 2
        draw.rounded_rectangle(
            (margin, top, width - margin, top + bar_h), radius=bar_h // 2, outline=fg, width=SUPERSAMPLE * 4
        )
        filled = int((width - 2 * margin) * stamps / goal)
        if filled:
            draw.rounded_rectangle((margin, top, margin + filled, top + bar_h), radius=bar_h // 2, fill=acc)
        return canvas.resize(size, Image.Resampling.LANCZOS)
    filled_picture, empty_picture = open_image(look.filled), open_image(look.empty)
    symbol = ICONS.get(look.icon, _tick)
    faint = _mix(fg, bg, 0.35)  # an empty stamp's picture: there, but clearly not collected
    rows, cols = grid(goal, width - 2 * margin, height - 2 * margin)
    cell = min((width - 2 * margin) / cols, (height - 2 * margin) / rows)
    radius = cell * 0.38
    line = max(SUPERSAMPLE, round(cell * 0.06))
    origin_y = (height - rows * cell) / 2
    for i in range(goal):
        row, col = divmod(i, cols)
        in_row = cols if row < rows - 1 else goal - cols * (rows - 1)  # the last row is centred when not full
        cx = (width - in_row * cell) / 2 + col * cell + cell / 2
        cy = origin_y + row * cell + cell / 2
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        if i < stamps:
            if filled_picture is not None:
                _paste_in_circle(canvas, filled_picture, cx, cy, radius)
            else:
                draw.ellipse(box, fill=acc)
                symbol(draw, cx, cy, radius, bg, acc, line)
        elif empty_picture is not None:
            _paste_in_circle(canvas, empty_picture, cx, cy, radius)
        else:
            draw.ellipse(box, outline=fg, width=line)
            if symbol is not _tick:
                symbol(draw, cx, cy, radius * 0.8, faint, bg, line)
        if i + 1 in marks:  # a milestone: a second ring tells the customer a reward waits here
            outer = radius * 1.15
            draw.ellipse((cx - outer, cy - outer, cx + outer, cy + outer), outline=acc, width=line)
    return canvas.resize(size, Image.Resampling.LANCZOS)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    return (
        round(a[0] * share + b[0] * (1 - share)),
        round(a[1] * share + b[1] * (1 - share)),
        round(a[2] * share + b[2] * (1 - share)),
    )


def _paste_cover(canvas: Image.Image, picture: Image.Image) -> None:
    """Fill the canvas with the picture, cropped to its proportions and darkened a little so stamps stand out."""
    scale = max(canvas.width / picture.width, canvas.height / picture.height)
    resized = picture.resize(
        (max(1, math.ceil(picture.width * scale)), max(1, math.ceil(picture.height * scale))), Image.Resampling.LANCZOS
    )
    left, top = (resized.width - canvas.width) // 2, (resized.height - canvas.height) // 2
    cropped = resized.crop((left, top, left + canvas.width, top + canvas.height))
    canvas.paste(cropped, (0, 0), cropped)
    canvas.paste(Image.new("RGB", canvas.size, (0, 0, 0)), (0, 0), Image.new("L", canvas.size, 70))


def _paste_in_circle(canvas: Image.Image, picture: Image.Image, cx: float, cy: float, radius: float) -> None:
    side = max(1, round(radius * 2))
    fitted = picture.copy()
    fitted.thumbnail((side, side), Image.Resampling.LANCZOS)
    canvas.paste(fitted, (round(cx - fitted.width / 2), round(cy - fitted.height / 2)), fitted)


# The built-in stamp pictures, drawn in a circle of ``r`` around (cx, cy) in ``ink`` on ``paper``.
Symbol = Callable[[ImageDraw.ImageDraw, float, float, float, tuple[int, int, int], tuple[int, int, int], int], None]


def _tick(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    tick = [(cx - r * 0.45, cy + r * 0.02), (cx - r * 0.12, cy + r * 0.35), (cx + r * 0.48, cy - r * 0.30)]
    draw.line(tick, fill=ink, width=line * 2, joint="curve")


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    points = []
    for k in range(10):
        angle = -math.pi / 2 + k * math.pi / 5
        reach = r * (0.62 if k % 2 == 0 else 0.26)
        points.append((cx + reach * math.cos(angle), cy + reach * math.sin(angle) + r * 0.04))
    draw.polygon(points, fill=ink)


def _heart(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    lobe = r * 0.27
    for side in (-1, 1):
        x = cx + side * lobe
        draw.ellipse((x - lobe, cy - r * 0.38, x + lobe, cy - r * 0.38 + 2 * lobe), fill=ink)
    draw.polygon([(cx - 2 * lobe + 1, cy - r * 0.06), (cx + 2 * lobe - 1, cy - r * 0.06), (cx, cy + r * 0.5)], fill=ink)


def _coffee(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    top, bottom = cy - r * 0.22, cy + r * 0.42
    draw.polygon([(cx - r * 0.45, top), (cx + r * 0.3, top), (cx + r * 0.2, bottom), (cx - r * 0.35, bottom)], fill=ink)
    draw.ellipse((cx + r * 0.12, cy - r * 0.12, cx + r * 0.58, cy + r * 0.28), outline=ink, width=line)
    for dx in (-0.22, 0.05):  # steam
        x = cx + r * dx
        draw.line([(x, cy - r * 0.34), (x + r * 0.08, cy - r * 0.46), (x, cy - r * 0.6)], fill=ink, width=line)


def _croissant(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    draw.ellipse((cx - r * 0.6, cy - r * 0.4, cx + r * 0.6, cy + r * 0.45), fill=ink)
    draw.ellipse((cx - r * 0.45, cy - r * 0.7, cx + r * 0.45, cy + r * 0.05), fill=paper)
    for dx in (-0.2, 0.2):  # the folds of the dough
        draw.line([(cx + r * dx, cy + r * 0.02), (cx + r * dx * 1.2, cy + r * 0.4)], fill=paper, width=line)


def _scissors(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    ring = r * 0.17
    for side in (-1, 1):
        x, y = cx + side * r * 0.25, cy + r * 0.35
        draw.ellipse((x - ring, y - ring, x + ring, y + ring), outline=ink, width=line)
        draw.line([(x - side * ring * 0.5, y - ring), (cx - side * r * 0.3, cy - r * 0.55)], fill=ink, width=line)


def _paw(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, ink: tuple, paper: tuple, line: int) -> None:
    draw.ellipse((cx - r * 0.3, cy - r * 0.02, cx + r * 0.3, cy + r * 0.45), fill=ink)
    for dx, dy in ((-0.42, -0.12), (-0.16, -0.38), (0.16, -0.38), (0.42, -0.12)):
        x, y, toe = cx + r * dx, cy + r * dy, r * 0.12
        draw.ellipse((x - toe, y - toe * 1.2, x + toe, y + toe * 1.2), fill=ink)


ICONS: dict[str, Symbol] = {
    "tick": _tick,
    "star": _star,
    "heart": _heart,
    "coffee": _coffee,
    "croissant": _croissant,
    "scissors": _scissors,
    "paw": _paw,
}


def stamp_icon_sample(*, icon: str, background: str, accent: str, size: int = 96) -> Image.Image:
    """One collected stamp of a built-in picture, for the designer's picker."""
    big = size * SUPERSAMPLE
    image = Image.new("RGB", (big, big), rgb(background))
    draw = ImageDraw.Draw(image)
    radius = big * 0.42
    draw.ellipse((big / 2 - radius, big / 2 - radius, big / 2 + radius, big / 2 + radius), fill=rgb(accent))
    ICONS.get(icon, _tick)(draw, big / 2, big / 2, radius, rgb(background), rgb(accent), max(SUPERSAMPLE, big // 25))
    return image.resize((size, size), Image.Resampling.LANCZOS)
