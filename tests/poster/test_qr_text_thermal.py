"""The receipt QR drawn in characters (``qr_text``, for ``Poster.orders.setPrintText``) still decodes once a thermal
printer has printed it: each line rendered in a monospace printer font (DejaVu Sans Mono, no anti-aliasing, as a
printer's bitmap font prints) at the width of 58 mm paper (32 characters on 384 dots) and 80 mm paper (48 on 576),
then read by a maintained decoder (zxing-cpp).

The lines are pitched at the font's own height, which is how a printer that prints this form must be set; with extra
space between lines (the default of many printers) the rows of half blocks drift apart and phones fail to decode,
which is why the register app prints a real QR (``orders.printReceipt``) where Poster offers it."""

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from stampcard.poster.pos_app.qr_text import qr_text

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
PAPER_MARGIN = 24  # dots of unprinted paper either side

pytestmark = pytest.mark.skipif(not FONT.exists(), reason="DejaVu Sans Mono is not installed (fonts-dejavu-core)")


def printed(lines: list[str], *, columns: int, dots: int, extra_line_spacing: int = 0) -> Image.Image:
    """The receipt as a bitmap: the largest size at which ``columns`` characters fit the printable width."""
    size = 8
    while ImageFont.truetype(FONT, size + 1).getlength("M") * columns <= dots:
        size += 1
    font = ImageFont.truetype(FONT, size)
    ascent, descent = font.getmetrics()
    pitch = ascent + descent + extra_line_spacing
    paper = Image.new("L", (dots + 2 * PAPER_MARGIN, pitch * (len(lines) + 4)), 255)
    draw = ImageDraw.Draw(paper)
    draw.fontmode = "1"  # a printer's dots are black or white
    for row, line in enumerate(lines):
        draw.text((PAPER_MARGIN, (row + 2) * pitch), line, font=font, fill=0)
    return paper


CLAIM_URL = "https://sc.example/r/q7XrG1b2Yx9kT0aPm4Wc3Q"  # a claim link of a short domain: fits 58 mm


@pytest.mark.parametrize(("paper", "columns", "dots"), [("58 mm", 32, 384), ("80 mm", 48, 576)])
def test_the_character_qr_decodes_after_printing_in_a_thermal_font(paper, columns, dots):
    drawn = qr_text(CLAIM_URL, columns=columns)
    assert drawn.lines, f"the claim link must fit {paper}"

    [decoded] = zxingcpp.read_barcodes(printed(drawn.lines, columns=columns, dots=dots))

    assert decoded.text == CLAIM_URL and decoded.format == zxingcpp.BarcodeFormat.QRCode


def test_a_link_too_long_for_58_mm_draws_nothing_and_leaves_the_printed_link_and_code():
    long_url = "https://loyalty.some-long-cafe-domain.example/r/q7XrG1b2Yx9kT0aPm4Wc3Q"

    assert qr_text(long_url, columns=32).lines == []
    [decoded] = zxingcpp.read_barcodes(printed(qr_text(long_url, columns=48).lines, columns=48, dots=576))
    assert decoded.text == long_url
