"""Printable sheets of bearer vouchers: eight per A4 page, with dashed cut lines.

Built with fpdf2: pure Python (no system libraries), actively maintained, embeds TrueType subsets so Cyrillic titles
print, and writes text with a ToUnicode map so the codes stay searchable and testable. The QR (the voucher's public
link, for the customer's phone) and the Code 128 barcode (the code, for the till's scanner) are drawn as vector
rectangles, so they stay sharp at any printer resolution.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from stampcard.core.printing import PrintSheet
from stampcard.merchants.models import Merchant
from stampcard.vouchers import rendering
from stampcard.vouchers.codes import format_code
from stampcard.vouchers.models import Voucher, VoucherBatch
from stampcard.vouchers.presenters import valid_until_text, voucher_urls

PAGE_W, PAGE_H = 210.0, 297.0
COLUMNS, ROWS = 2, 4
CELL_W, CELL_H = PAGE_W / COLUMNS, PAGE_H / ROWS
PAD = 6.0
QR_SIZE = 38.0


class _Sheet(PrintSheet):
    def __init__(self) -> None:
        super().__init__(format="A4")

    def cut_lines(self) -> None:
        self.set_draw_color(160)
        self.set_line_width(0.2)
        self.set_dash_pattern(dash=2, gap=2)
        for col in range(1, COLUMNS):
            self.line(col * CELL_W, 0, col * CELL_W, PAGE_H)
        for row in range(1, ROWS):
            self.line(0, row * CELL_H, PAGE_W, row * CELL_H)
        self.set_dash_pattern()

    def bars(self, code: str, x: float, y: float, width: float, height: float) -> None:
        modules = rendering.barcode_modules(code)
        unit = width / len(modules)
        self.set_fill_color(0)
        c = 0
        while c < len(modules):
            if modules[c] == "1":
                start = c
                while c < len(modules) and modules[c] == "1":
                    c += 1
                self.rect(x + start * unit, y, (c - start) * unit, height, style="F")
            else:
                c += 1


def batch_sheet(*, merchant: Merchant, batch: VoucherBatch, vouchers: Iterable[Voucher]) -> bytes:
    """The batch as an A4 PDF, eight vouchers a page, in the merchant's language."""
    with translation.override(merchant.locale or settings.LANGUAGE_CODE):
        return _render(merchant=merchant, batch=batch, vouchers=list(vouchers))


def _render(*, merchant: Merchant, batch: VoucherBatch, vouchers: list[Voucher]) -> bytes:
    sheet = _Sheet()
    sheet.set_title(f"{merchant.name}: {batch.name}")
    sheet.set_creator("stampcard")
    per_page = COLUMNS * ROWS
    for index, voucher in enumerate(vouchers):
        if index % per_page == 0:
            sheet.add_page()
            sheet.cut_lines()
        slot = index % per_page
        x0, y0 = (slot % COLUMNS) * CELL_W, (slot // COLUMNS) * CELL_H
        _cell(sheet, merchant=merchant, voucher=voucher, x0=x0, y0=y0)
    if not vouchers:
        sheet.add_page()
    return bytes(sheet.output())


def _cell(sheet: _Sheet, *, merchant: Merchant, voucher: Voucher, x0: float, y0: float) -> None:
    sheet.qr(voucher_urls(voucher)["page"], x0 + PAD, y0 + PAD + 4, QR_SIZE)
    sheet.set_text_color(90)
    sheet.set_font("body", "", 7)
    sheet.set_xy(x0 + PAD, y0 + PAD + 4 + QR_SIZE + 1)
    sheet.multi_cell(QR_SIZE, 3, _("Scan to open the voucher and get the card"), align="C")

    text_x = x0 + PAD + QR_SIZE + 4
    text_w = CELL_W - (text_x - x0) - PAD
    sheet.set_text_color(60)
    sheet.set_font("body", "", 8)
    sheet.set_xy(text_x, y0 + PAD)
    sheet.cell(text_w, 4, merchant.name[:60])
    sheet.set_text_color(0)
    sheet.set_font("body", "B", 12)
    sheet.set_xy(text_x, y0 + PAD + 5)
    sheet.multi_cell(text_w, 5.5, voucher.title, max_line_height=5.5, align="L")
    if voucher.description:
        sheet.set_font("body", "", 7.5)
        sheet.set_x(text_x)
        sheet.multi_cell(text_w, 3.4, voucher.description[:160], align="L")

    code_y = y0 + CELL_H - PAD - 30
    sheet.set_font("body", "", 7)
    sheet.set_text_color(90)
    sheet.set_xy(text_x, code_y)
    sheet.cell(text_w, 3, _("Code"))
    sheet.set_text_color(0)
    sheet.set_font("mono", "", 14)
    sheet.set_xy(text_x, code_y + 3)
    sheet.cell(text_w, 7, format_code(voucher.code))
    sheet.bars(voucher.code, text_x, code_y + 11, min(text_w, 52), 9)
    until = valid_until_text(voucher, merchant.tz)
    if until:
        sheet.set_font("body", "", 7.5)
        sheet.set_xy(text_x, code_y + 22)
        sheet.cell(text_w, 4, _("Valid until %(date)s") % {"date": until})
