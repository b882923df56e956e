"""The print-ready PDF: twelve inserts a page, each with its serial, its URL and a QR that encodes that URL."""

import io
import math
import re

import pytest
import segno
from pypdf import PdfReader

from stampcard.inserts import pdf
from stampcard.inserts.selectors import inserts_of_batch
from tests.factories import MerchantFactory, ProgramFactory
from tests.inserts.conftest import inserts_of, make_batch

pytestmark = pytest.mark.django_db

PT_PER_MM = 72 / 25.4
_RECT = re.compile(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re\b")


def render(batch) -> bytes:
    return pdf.batch_sheet(merchant=batch.merchant, batch=batch, inserts=inserts_of_batch(batch=batch))


def filled_rects_mm(page) -> list[tuple[float, float, float, float]]:
    """Every filled rectangle of a page as (left, top, width, height) in mm from the top-left corner."""
    rects = []
    for x, y, w, h in _RECT.findall(page.get_contents().get_data()):
        left, bottom_up, width, height = (float(v) / PT_PER_MM for v in (x, y, w, h))
        top = pdf.PAGE_H - bottom_up
        if height < 0:  # fpdf2 draws from the top edge down
            height = -height
        rects.append((left, top, width, height))
    return rects


def qr_matrix_at(rects, *, left: float, top: float, size: float) -> list[list[int]]:
    """Rebuild the module matrix drawn in the square at (left, top): the top-left finder's first run is 7 modules."""
    inside = [r for r in rects if left - 0.01 <= r[0] < left + size and top - 0.01 <= r[1] < top + size]
    corner = min(inside, key=lambda r: (round(r[1], 2), r[0]))
    module = corner[2] / 7
    side = round(size / module)
    matrix = [[0] * side for _ in range(side)]
    for x, y, w, h in inside:
        col, row = round((x - left) / module), round((y - top) / module)
        for r in range(row, row + round(h / module)):
            for c in range(col, col + round(w / module)):
                matrix[r][c] = 1
    return matrix


def encodes(matrix: list[list[int]], url: str) -> bool:
    """Whether the matrix is a full QR of ``url`` (any of the eight masks, error correction M)."""
    for mask in range(8):
        code = segno.make_qr(url, error="m", mask=mask)
        if [[int(bool(v)) for v in row] for row in code.matrix_iter(scale=1, border=0)] == matrix:
            return True
    return False


@pytest.mark.parametrize("count", [1, 12, 13, 25])
def test_twelve_inserts_a_page_with_every_serial_and_url(manager_actor, program, count):
    batch = make_batch(manager_actor, count=count)
    batch.merchant.locale = "en"  # the sheet speaks the merchant's language
    batch.merchant.save(update_fields=["locale"])

    reader = PdfReader(io.BytesIO(render(batch)))

    assert len(reader.pages) == math.ceil(count / 12)
    text = " ".join(page.extract_text() for page in reader.pages)
    for insert in inserts_of(batch):
        assert f"No. {insert.label}" in text
        assert pdf.insert_url(insert) in text
    assert "Scan for a free stamp" in text
    assert batch.merchant.name in text
    assert reader.pages[0].mediabox.width == pytest.approx(210 * PT_PER_MM, abs=0.5)  # A4
    assert reader.pages[0].mediabox.height == pytest.approx(297 * PT_PER_MM, abs=0.5)


def test_each_qr_encodes_its_own_inserts_url(manager_actor, program, settings):
    settings.BASE_URL = "https://loyalty.example.com"
    batch = make_batch(manager_actor, count=14)
    inserts = inserts_of(batch)

    reader = PdfReader(io.BytesIO(render(batch)))

    for index, insert in enumerate(inserts):
        page = reader.pages[index // pdf.PER_PAGE]
        x0, y0 = pdf.insert_origin(index)
        matrix = qr_matrix_at(
            filled_rects_mm(page), left=x0 + (pdf.INSERT_W - pdf.QR_SIZE) / 2, top=y0 + pdf.QR_TOP, size=pdf.QR_SIZE
        )
        url = f"https://loyalty.example.com/i/{insert.token}"
        assert encodes(matrix, url), insert.serial
        assert not encodes(matrix, f"https://loyalty.example.com/i/{inserts[index - 1].token}")


def test_every_insert_has_cut_marks_at_its_four_corners(manager_actor, program):
    batch = make_batch(manager_actor, count=12)

    page = PdfReader(io.BytesIO(render(batch))).pages[0]
    content = page.get_contents().get_data().decode("latin-1")

    segments = re.findall(r"(-?[\d.]+) (-?[\d.]+) m (-?[\d.]+) (-?[\d.]+) l S", content)
    lines = {tuple(round(float(v) / PT_PER_MM, 1) for v in s) for s in segments}
    for index in range(12):
        x0, y0 = pdf.insert_origin(index)
        for x, dx in ((x0, -1), (x0 + pdf.INSERT_W, 1)):
            for y, dy in ((y0, -1), (y0 + pdf.INSERT_H, 1)):
                y_up = round(pdf.PAGE_H - y, 1)
                horizontal = (round(x + dx * 1.0, 1), y_up, round(x + dx * 3.5, 1), y_up)
                vertical = (
                    round(x, 1),
                    round(pdf.PAGE_H - (y + dy * 1.0), 1),
                    round(x, 1),
                    round(pdf.PAGE_H - (y + dy * 3.5), 1),
                )
                assert horizontal in lines and vertical in lines, (index, x, y)
    # The marks stay off the inserts: none starts inside one.
    for index in range(12):
        x0, y0 = pdf.insert_origin(index)
        for x1, y1, _x2, _y2 in lines:
            assert not (
                x0 + 0.5 < x1 < x0 + pdf.INSERT_W - 0.5 and y0 + 0.5 < pdf.PAGE_H - y1 < y0 + pdf.INSERT_H - 0.5
            )


def test_a_voucher_batch_prints_the_voucher_title_and_cyrillic_names(settings):
    merchant = MerchantFactory(name="Кав'ярня «Ранок»", locale="uk")
    from stampcard.merchants.models import Role
    from tests.conftest import make_staff

    ProgramFactory(merchant=merchant)
    batch = make_batch(make_staff(merchant, Role.OWNER).actor(), count=2, kind="voucher", title="Капучино в подарунок")

    text = PdfReader(io.BytesIO(render(batch))).pages[0].extract_text()

    assert "Капучино в подарунок" in text
    assert "Кав'ярня «Ранок»" in text
    assert "Glovo" in text


def test_a_thousand_inserts_render_to_84_pages(manager_actor, program):
    batch = make_batch(manager_actor, count=1000)

    reader = PdfReader(io.BytesIO(render(batch)))

    assert len(reader.pages) == 84
    last = inserts_of(batch)[-1]
    assert pdf.insert_url(last) in reader.pages[-1].extract_text()


def test_no_text_falls_in_the_white_margin_around_a_qr(manager_actor, program):
    batch = make_batch(manager_actor, count=12, kind="voucher", title="A very long voucher title that needs two lines")
    page = PdfReader(io.BytesIO(render(batch))).pages[0]
    baselines: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            baselines.append((tm[4] / PT_PER_MM, pdf.PAGE_H - tm[5] / PT_PER_MM, text))

    page.extract_text(visitor_text=visit)

    assert baselines
    for index in range(12):
        x0, y0 = pdf.insert_origin(index)
        top, bottom = y0 + pdf.QR_TOP - pdf.QUIET, y0 + pdf.QR_TOP + pdf.QR_SIZE + pdf.QUIET
        for x, y, text in baselines:
            if x0 <= x <= x0 + pdf.INSERT_W:
                assert not top < y < bottom, (index, text, y)


def test_a_ukrainian_merchant_gets_the_sheet_in_ukrainian(manager_actor, program):
    batch = make_batch(manager_actor, count=1)
    batch.merchant.locale = "uk"
    batch.merchant.save(update_fields=["locale"])

    text = PdfReader(io.BytesIO(render(batch))).pages[0].extract_text()

    assert f"№ {inserts_of(batch)[0].label}" in text
    assert "Скануйте" in text and "Scan for a free stamp" not in text
