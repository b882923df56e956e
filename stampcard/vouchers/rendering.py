"""A voucher's code as pictures: QR (segno) and a Code 128 linear barcode (python-barcode), as SVG or PNG.

Code 128 because it encodes upper-case letters and digits compactly and every till scanner reads it; the QR carries
the same text for phone-camera scanners. Both encode the compact code, which is what the POS types on a scan.
"""

import io

import barcode
import segno
from barcode.writer import ImageWriter, SVGWriter

QR_ERROR = "m"


def qr(data: str) -> segno.QRCode:
    return segno.make(data, error=QR_ERROR, micro=False)


def qr_svg(data: str, *, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    qr(data).save(buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return buf.getvalue()


def qr_png(data: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    qr(data).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


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
