"""QR codes of the customer pages. Always full-size QR (``make_qr``): phone cameras do not read Micro QR."""

import segno

QR_ERROR = "m"


def qr(data: str) -> segno.QRCode:
    return segno.make_qr(data, error=QR_ERROR)


def qr_svg_inline(data: str, *, scale: int = 4) -> str:
    """An ``<svg>`` element to put straight into a page; sized by CSS (no width/height attributes)."""
    return str(qr(data).svg_inline(scale=scale, border=2, omitsize=True))


def qr_runs(data: str) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs ``(row, column, length)``, plus the matrix size in the caller's hands:
    for vector drawing (PDF labels) with a few hundred rectangles instead of thousands of squares."""
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(qr(data).matrix_iter(scale=1, border=0)):
        cells = list(row)
        c = 0
        while c < len(cells):
            if cells[c]:
                start = c
                while c < len(cells) and cells[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs


def qr_size(data: str) -> int:
    """Modules per side, without the quiet zone."""
    width, _height = qr(data).symbol_size(scale=1, border=0)
    return int(width)
