"""A voucher's code as pictures: QR (``stampcard.core.qr``) and a Code 128 barcode (python-barcode), SVG or PNG.

Code 128 because it encodes upper-case letters and digits compactly and every till scanner reads it; the QR carries
the same text for phone-camera scanners. Both encode the compact code, which is what the POS types on a scan.
"""

import io

import barcode
from barcode.writer import ImageWriter, SVGWriter

from stampcard.core.qr import qr_png, qr_svg

__all__ = ["barcode_modules", "barcode_png", "barcode_svg", "qr_png", "qr_svg"]


def _code128(code: str, writer: SVGWriter | ImageWriter) -> barcode.Code128:
    return barcode.Code128(code, writer=writer)


def barcode_svg(code: str) -> bytes:
    buf = io.BytesIO()
    _code128(code, SVGWriter()).write(buf, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0})
    return buf.getvalue()


def barcode_png(code: str) -> bytes:
    buf = io.BytesIO()
    _code128(code, ImageWriter()).write(
        buf, options={"format": "PNG", "module_height": 12.0, "font_size": 8, "text_distance": 4.0, "dpi": 200}
    )
    return buf.getvalue()


def barcode_modules(code: str) -> str:
    """The bars as a string of '1' (bar) and '0' (space) modules, for drawing into a PDF."""
    return str(barcode.Code128(code).build()[0])
