"""Print-ready sheets of delivery inserts: twelve per A4 page (3 x 4), each 60 x 66 mm with corner cut marks.

60 x 66 mm is a little larger than a business card: it lies flat on a box lid or in a paper bag without folding,
and the 28 mm QR (full QR, error correction M, four modules of white around it) still scans from a creased insert
at arm's length. The 6 mm gutters between inserts carry the cut marks, so a guillotine or a craft knife cuts each
insert clean with nothing of its neighbour on it. Print on 250-300 g/m2 card at 100 % scale ("actual size").

Each insert: the merchant's name, the benefit in words, its QR (``<BASE_URL>/i/<token>``), the same URL in print for
a phone that cannot scan, and its serial number. Built on ``stampcard.core.printing.PrintSheet`` (fpdf2, DejaVu fonts
so Cyrillic prints, text extractable, QR as vector rectangles).

A batch has up to 5000 inserts, so everything the inserts share (font sizes, the headline's lines) is worked out
once per batch, and each QR's rectangles go into the page as one path rather than one fpdf2 call each.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from stampcard.core.printing import QR_MASK, PrintSheet
from stampcard.core.qr import dark_blocks, qr
from stampcard.inserts.benefits import benefit_call
from stampcard.inserts.models import BenefitKind, Insert, InsertBatch
from stampcard.inserts.services import TOKEN_LENGTH
from stampcard.merchants.models import Merchant

PAGE_W, PAGE_H = 210.0, 297.0
COLUMNS, ROWS = 3, 4
PER_PAGE = COLUMNS * ROWS
INSERT_W, INSERT_H = 60.0, 66.0
GUTTER = 6.0
MARGIN_X = (PAGE_W - COLUMNS * INSERT_W - (COLUMNS - 1) * GUTTER) / 2  # 9 mm
MARGIN_Y = (PAGE_H - ROWS * INSERT_H - (ROWS - 1) * GUTTER) / 2  # 7.5 mm
MARK_GAP, MARK_LENGTH = 1.0, 2.5  # marks start 1 mm off the corner, so a slightly off cut never shows one
PAD = 3.0
TEXT_W = INSERT_W - 2 * PAD
QR_SIZE = 28.0
QR_TOP = 20.5
QUIET = 3.5  # about four modules of white around the QR, as the QR standard asks, so cameras find its edge
_TOKEN_PLACEHOLDER = "0"


def insert_path_prefix() -> str:
    """``/i/``: the path of every insert's page before its token."""
    return reverse("inserts:claim", kwargs={"token": _TOKEN_PLACEHOLDER}).removesuffix(_TOKEN_PLACEHOLDER)


def insert_url(insert: Insert, *, prefix: str | None = None) -> str:
    """What the insert's QR encodes: ``<BASE_URL>/i/<token>`` (the token unsealed from the row)."""
    return _token_url(insert.token, prefix=prefix)


def _token_url(token: str, *, prefix: str | None = None) -> str:
    return settings.BASE_URL + (prefix or insert_path_prefix()) + token


def insert_origin(index: int) -> tuple[float, float]:
    """The top-left corner (mm) of the ``index``-th insert on its page."""
    slot = index % PER_PAGE
    col, row = slot % COLUMNS, slot // COLUMNS
    return MARGIN_X + col * (INSERT_W + GUTTER), MARGIN_Y + row * (INSERT_H + GUTTER)


@dataclass(frozen=True)
class _Line:
    text: str
    family: str
    style: str
    size: float
    grey: int


class _Sheet(PrintSheet):
    def __init__(self) -> None:
        super().__init__(format="A4")

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """PrintSheet's QR, written as one filled path of non-overlapping rectangles (a QR is ~200 of them)."""
        side, blocks = dark_blocks(qr(data, mask=QR_MASK))
        unit = size / side * self.k
        left, top = x * self.k, (self.h - y) * self.k
        self.set_fill_color(0)
        rects = [
            f"{left + c * unit:.2f} {top - r * unit:.2f} {w * unit:.2f} {-h * unit:.2f} re"
            for (r, c), (h, w) in blocks.items()
        ]
        self._out("\n".join(rects) + "\nf")

    def corner_marks(self, x0: float, y0: float) -> None:
        self.set_draw_color(0)
        self.set_line_width(0.2)
        for x, dx in ((x0, -1), (x0 + INSERT_W, 1)):
            for y, dy in ((y0, -1), (y0 + INSERT_H, 1)):
                self.line(x + dx * MARK_GAP, y, x + dx * (MARK_GAP + MARK_LENGTH), y)
                self.line(x, y + dy * MARK_GAP, x, y + dy * (MARK_GAP + MARK_LENGTH))

    def fit(
        self,
        text: str,
        *,
        size: float,
        width: float = TEXT_W,
        family: str = "body",
        style: str = "",
        grey: int = 0,
        smallest: float = 4.5,
    ) -> _Line:
        """The line at the largest size from ``size`` down to ``smallest`` at which it fits ``width``."""
        self.set_font(family, style, size)
        while size > smallest and self.get_string_width(text) > width:
            size -= 0.25
            self.set_font(family, style, size)
        return _Line(text, family, style, size, grey)

    def headline(self, text: str) -> list[_Line]:
        """The benefit in at most two lines, at the largest size from 11 down to 7 pt that allows it."""
        size = 11.0
        while True:
            self.set_font("body", "B", size)
            lines: list[str] = self.multi_cell(  # type: ignore[assignment]  # output="LINES" gives the lines
                TEXT_W, size * 0.42, text, align="C", dry_run=True, output="LINES"
            )
            if len(lines) <= 2 or size <= 7:
                break
            size -= 0.5
        return [self.fit(line, size=size, style="B") for line in lines[:2]]

    def put(self, line: _Line, *, x: float, y: float, width: float = TEXT_W, text: str | None = None) -> None:
        self.set_font(line.family, line.style, line.size)
        self.set_text_color(line.grey)
        self.set_xy(x, y)
        self.cell(width, line.size * 0.42, line.text if text is None else text, align="C")


def batch_sheet(*, merchant: Merchant, batch: InsertBatch, inserts: Iterable[Insert]) -> bytes:
    """The batch as an A4 PDF, twelve inserts a page in serial order, in the merchant's language."""
    with translation.override(merchant.locale or settings.LANGUAGE_CODE):
        return _render(merchant=merchant, batch=batch, inserts=inserts)


def _serial_text(insert: Insert, batch: InsertBatch) -> str:
    return _("No. %(serial)s · %(service)s") % {"serial": insert.label, "service": batch.aggregator_label}


def _render(*, merchant: Merchant, batch: InsertBatch, inserts: Iterable[Insert]) -> bytes:
    sheet = _Sheet()
    sheet.set_title(f"{merchant.name}: {batch.name}")
    sheet.set_creator("stampcard")
    prefix = insert_path_prefix()
    pages = -(-batch.count // PER_PAGE)
    hint = _("Scan with your phone camera") if batch.benefit_kind == BenefitKind.STAMP else _("Scan to get it")
    sheet.add_page()  # fpdf2 measures text on a page
    _footer(sheet, batch=batch, page=1, pages=pages)
    # Every insert of the batch shares these; a URL or a serial differs only in its characters, not its length.
    sample = Insert(batch=batch, serial=8888)
    layout = {
        "merchant": sheet.fit(merchant.name[:80], size=8.5, style="B", grey=60),
        "headline": sheet.headline(benefit_call(batch)),
        "hint": sheet.fit(hint, size=6.5, grey=80),
        "url": sheet.fit(_token_url("m" * TOKEN_LENGTH, prefix=prefix), size=6.5, family="mono", grey=40),
        "serial": sheet.fit(_serial_text(sample, batch), size=6, grey=110),
    }
    for index, insert in enumerate(inserts):
        if index and index % PER_PAGE == 0:
            sheet.add_page()
            _footer(sheet, batch=batch, page=index // PER_PAGE + 1, pages=pages)
        x0, y0 = insert_origin(index)
        sheet.corner_marks(x0, y0)
        _insert(sheet, layout=layout, batch=batch, insert=insert, url=insert_url(insert, prefix=prefix), x0=x0, y0=y0)
    return bytes(sheet.output())


def _footer(sheet: _Sheet, *, batch: InsertBatch, page: int, pages: int) -> None:
    text = _("%(batch)s · page %(page)d of %(pages)d · cut along the corner marks · print at 100 %% scale") % {
        "batch": batch.name,
        "page": page,
        "pages": pages,
    }
    width = PAGE_W - 2 * MARGIN_X
    sheet.put(sheet.fit(text, size=5.5, width=width, grey=120), x=MARGIN_X, y=PAGE_H - MARGIN_Y + 3.6, width=width)


def _insert(sheet: _Sheet, *, layout: dict, batch: InsertBatch, insert: Insert, url: str, x0: float, y0: float) -> None:
    x = x0 + PAD
    sheet.put(layout["merchant"], x=x, y=y0 + PAD)
    headline: list[_Line] = layout["headline"]
    y = y0 + 8.0 + (0 if len(headline) > 1 else headline[0].size * 0.21)
    for line in headline:
        sheet.put(line, x=x, y=y)
        y += line.size * 0.42
    sheet.qr(url, x0 + (INSERT_W - QR_SIZE) / 2, y0 + QR_TOP, QR_SIZE)
    sheet.put(layout["hint"], x=x, y=y0 + QR_TOP + QR_SIZE + QUIET)
    sheet.put(layout["url"], x=x, y=y0 + QR_TOP + QR_SIZE + QUIET + 3.8, text=url)
    sheet.put(layout["serial"], x=x, y=y0 + INSERT_H - PAD - 2.6, text=_serial_text(insert, batch))
