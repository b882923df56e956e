"""QR codes, the same everywhere: always full-size QR (phone cameras and most scanners do not read Micro QR, which
``segno.make`` picks for short data), error correction M, as SVG, PNG, inline SVG, or rectangles for vector drawing.
"""

import io

import segno

ERROR = "m"


def qr(data: str, *, mask: int | None = None) -> segno.QRCode:
    """``mask`` fixes the mask pattern: choosing the best of eight is most of segno's time (9x), and any scans."""
    return segno.make_qr(data, error=ERROR, mask=mask)


def qr_svg(data: str, *, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    qr(data).save(buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return buf.getvalue()


def qr_png(data: str, *, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    qr(data).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_svg_inline(data: str, *, scale: int = 4) -> str:
    """An ``<svg>`` element to put straight into a page; sized by CSS (no width/height attributes)."""
    return str(qr(data).svg_inline(scale=scale, border=2, omitsize=True))


def dark_blocks(code: segno.QRCode) -> tuple[int, dict[tuple[int, int], tuple[int, int]]]:
    """(modules per side, {(top, left): (height, width)}): the dark modules as few rectangles for vector drawing.

    Each row's runs are merged downwards with identical runs of the rows below, so finder patterns and long bars
    become one rectangle each.
    """
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    blocks: dict[tuple[int, int], tuple[int, int]] = {}
    open_runs: dict[tuple[int, int], tuple[int, int]] = {}  # (left, width) -> (top, height)
    for r, row in enumerate([*matrix, []]):
        runs, c = set(), 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.add((start, c - start))
            else:
                c += 1
        for run in list(open_runs):
            if run in runs:
                top, height = open_runs[run]
                open_runs[run] = (top, height + 1)
                runs.discard(run)
            else:
                top, height = open_runs.pop(run)
                blocks[(top, run[0])] = (height, run[1])
        for run in runs:
            open_runs[run] = (r, 1)
    return len(matrix), blocks
