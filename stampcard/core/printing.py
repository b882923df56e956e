"""Printable PDFs (voucher sheets, join labels) with fpdf2: pure Python, no system libraries, embeds TrueType subsets
so Cyrillic prints, and keeps text extractable. QR codes are drawn as vector rectangles, sharp at any resolution."""

import logging
from pathlib import Path

import barcode
from fpdf import FPDF

from stampcard.core.qr import dark_blocks, qr

# fpdf2 subsets fonts through fontTools, which logs every step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
# python-barcode ships DejaVu Sans Mono (Latin and Cyrillic): the fallback where the system has no DejaVu.
_BUNDLED_FONT = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"
QR_MASK = 2  # any fixed mask: a sheet of 1000 QR codes then renders in seconds


def _fonts() -> dict[str, Path]:
    fonts = {
        "": _SYSTEM_FONTS / "DejaVuSans.ttf",
        "B": _SYSTEM_FONTS / "DejaVuSans-Bold.ttf",
        "mono": _SYSTEM_FONTS / "DejaVuSansMono.ttf",
    }
    if all(path.exists() for path in fonts.values()):
        return fonts
    return dict.fromkeys(fonts, _BUNDLED_FONT)


class PrintSheet(FPDF):
    """A page in millimetres without margins or automatic page breaks, with the fonts ``body`` (regular and bold)
    and ``mono``."""

    def __init__(self, *, format: str | tuple[float, float]) -> None:  # noqa: A002 - fpdf2's own name
        super().__init__(orientation="P", unit="mm", format=format)
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        fonts = _fonts()
        self.add_font("body", "", str(fonts[""]))
        self.add_font("body", "B", str(fonts["B"]))
        self.add_font("mono", "", str(fonts["mono"]))

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        side, blocks = dark_blocks(qr(data, mask=QR_MASK))
        module = size / side
        self.set_fill_color(0)
        for (top, left), (height, width) in blocks.items():
            self.rect(x + left * module, y + top * module, width * module, height * module, style="F")
