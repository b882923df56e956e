"""The claim's QR as a receipt printer wants it: 1-bit PNGs at 203 dpi for 58 mm and 80 mm paper, and a scalable SVG.

A thermal printer prints an image dot for dot when it is exactly as wide as the printable line (384 dots on 58 mm
paper, 576 on 80 mm, at 203 dpi); anything else the POS or the driver resamples, and a resampled QR gets uneven
modules that cameras misread. So each PNG is the full printable width, white, with the QR centred in it at a whole
number of dots per module, its four-module quiet zone included, about two thirds of the paper wide: big enough for a
phone camera at arm's length, small enough to leave the receipt short.
"""

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from stampcard.core.qr import dark_blocks, qr

QUIET_ZONE = 4  # modules, as the QR standard asks
DPI = 203
MIN_DOTS_PER_MODULE = 3  # 0.375 mm at 203 dpi: below that cheap thermal heads blur the modules together


@dataclass(frozen=True)
class Paper:
    name: str
    printable_dots: int  # width of the printed line at 203 dpi
    qr_dots: int  # the widest the QR (with its quiet zone) may be


PAPERS = {
    "58": Paper("58", printable_dots=384, qr_dots=256),  # 48 mm line, QR up to 32 mm
    "80": Paper("80", printable_dots=576, qr_dots=352),  # 72 mm line, QR up to 44 mm
}


def dots_per_module(*, modules: int, paper: Paper) -> int:
    """Whole dots per module so that ``modules`` (quiet zone included) fit the paper's QR width."""
    fitting = paper.qr_dots // modules
    if fitting < MIN_DOTS_PER_MODULE:
        # A long URL makes a dense QR: let it grow past the usual width rather than print modules too small to read.
        fitting = min(MIN_DOTS_PER_MODULE, paper.printable_dots // modules)
    if fitting < 1:
        raise ValueError(f"a QR of {modules} modules does not fit {paper.printable_dots} dots")
    return fitting


def receipt_png(data: str, *, paper: str = "58") -> bytes:
    """A 1-bit PNG as wide as the paper's printed line, the QR centred, tagged 203 dpi."""
    spec = PAPERS[paper]
    modules, blocks = dark_blocks(qr(data))
    side_modules = modules + 2 * QUIET_ZONE
    scale = dots_per_module(modules=side_modules, paper=spec)
    image = Image.new("1", (spec.printable_dots, side_modules * scale), 1)
    draw = ImageDraw.Draw(image)
    left = (spec.printable_dots - side_modules * scale) // 2 + QUIET_ZONE * scale
    top = QUIET_ZONE * scale
    for (row, col), (height, width) in blocks.items():
        x0, y0 = left + col * scale, top + row * scale
        draw.rectangle((x0, y0, x0 + width * scale - 1, y0 + height * scale - 1), fill=0)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True, dpi=(DPI, DPI))
    return buf.getvalue()


def receipt_svg(data: str, *, width_mm: float = 32.0) -> str:
    """An SVG of the QR with its quiet zone on white: a viewBox in modules (it scales to any size without blurring)
    and a default printed size of ``width_mm``."""
    modules, blocks = dark_blocks(qr(data))
    side = modules + 2 * QUIET_ZONE
    path = "".join(
        f"M{left + QUIET_ZONE} {top + QUIET_ZONE}h{width}v{height}h-{width}z"
        for (top, left), (height, width) in sorted(blocks.items())
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{width_mm:g}mm" '
        f'height="{width_mm:g}mm" shape-rendering="crispEdges" role="img">'
        f'<rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )
