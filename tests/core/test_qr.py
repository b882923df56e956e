"""QR codes: always full-size QR, and the rectangles drawn into PDFs cover exactly the dark modules."""

import pytest

from stampcard.core.qr import dark_blocks, qr


@pytest.mark.parametrize("data", ["K7QM2XWP9H", "12", "http://127.0.0.1:8000/v/abc", "x" * 120])
def test_a_short_text_still_makes_a_full_size_qr_not_a_micro_qr(data):
    assert not qr(data).is_micro


@pytest.mark.parametrize("mask", [None, 2])
@pytest.mark.parametrize("data", ["http://127.0.0.1:8000/v/abc", "K7QM2XWP9H", "x" * 120])
def test_the_blocks_cover_exactly_the_dark_modules_without_overlap(data, mask):
    code = qr(data, mask=mask)
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=0)]

    side, blocks = dark_blocks(code)

    drawn = [[0] * side for _ in range(side)]
    for (top, left), (height, width) in blocks.items():
        for r in range(top, top + height):
            for c in range(left, left + width):
                assert not drawn[r][c], "two rectangles overlap"
                drawn[r][c] = 1
    assert side == len(matrix) and drawn == [[int(bool(v)) for v in row] for row in matrix]
