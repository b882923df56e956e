"""A QR code drawn with characters, for the end of a Poster receipt (``Poster.orders.setPrintText`` prints text only).

Each character is one module wide and two modules tall (Unicode half blocks ``▀ ▄ █``), so a QR of N modules
takes N + 2 columns with a one-module margin (the paper's white border and the blank lines around complete the
quiet zone). Error correction M, like every stampcard QR, when it fits the printer's line; L, the next one down,
when only that fits; otherwise nothing, and the receipt carries the link and code alone.

Unconfirmed: whether a given thermal printer prints these characters (they exist in CP866 and most ESC/POS code
pages, but Poster's print path is not documented). The app's settings let the merchant turn this off.
"""

from dataclasses import dataclass

import segno

UPPER, LOWER, FULL, EMPTY = "\u2580", "\u2584", "\u2588", " "
MARGIN = 1


@dataclass(frozen=True)
class QrText:
    lines: list[str]
    columns: int
    error: str | None  # "M", "L", or None when it does not fit


def qr_text(data: str, *, columns: int) -> QrText:
    for error in ("m", "l"):
        code = segno.make_qr(data, error=error)  # make_qr: a full QR, never a Micro QR
        rows = [list(row) for row in code.matrix_iter(scale=1, border=MARGIN)]
        if len(rows[0]) <= columns:
            return QrText(lines=_half_blocks(rows), columns=len(rows[0]), error=error.upper())
    return QrText(lines=[], columns=0, error=None)


def _half_blocks(rows: list[list[int]]) -> list[str]:
    if len(rows) % 2:
        rows = [*rows, [0] * len(rows[0])]
    glyphs = {(1, 1): FULL, (1, 0): UPPER, (0, 1): LOWER, (0, 0): EMPTY}
    return [
        "".join(glyphs[(bool(top), bool(bottom))] for top, bottom in zip(upper, lower, strict=True)).rstrip()
        for upper, lower in zip(rows[0::2], rows[1::2], strict=True)
    ]
