"""The claim's QR images decode, with a real decoder (zxing-cpp), to the claim URL, at the sizes thermal paper needs."""

import base64
import io
import re
from urllib.parse import urlsplit

import pytest
import segno
import zxingcpp  # a real QR decoder (dev extras)
from PIL import Image

from stampcard.receipts import images
from stampcard.receipts.presenters import claim_path, claim_url
from tests.api.helpers import post
from tests.receipts.conftest import check_body

pytestmark = pytest.mark.django_db


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


@pytest.mark.parametrize(("route", "width"), [("qr-58.png", 384), ("qr-80.png", 576)])
def test_the_png_is_one_bit_as_wide_as_the_paper_and_decodes_to_the_claim(client, print_claim, route, width):
    created = print_claim()

    response = client.get(f"{claim_path(created.token)}/{route}")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert (image.mode, image.width) == ("1", width)
    assert round(image.info["dpi"][0]) == images.DPI
    assert decode(response.content) == [claim_url(created.token)]


@pytest.mark.parametrize(("paper", "max_side"), [("58", 256), ("80", 352)])
def test_the_qr_fills_a_sensible_part_of_the_paper_with_whole_dots_per_module_and_a_quiet_zone(
    paper, max_side, settings
):
    settings.BASE_URL = "https://loyalty.example.com"
    url = claim_url("x" * 22)
    code = segno.make_qr(url, error="m")
    modules = code.symbol_size(scale=1, border=4)[0]

    image = Image.open(io.BytesIO(images.receipt_png(url, paper=paper))).convert("L")

    scale = images.dots_per_module(modules=modules, paper=images.PAPERS[paper])
    assert image.height == modules * scale <= max_side
    assert image.height >= max_side * 0.75  # not a stamp-sized QR lost on the paper
    left = (image.width - image.height) // 2
    quiet = 4 * scale
    # The quiet zone is white all round: the first dark dot is the finder pattern's corner, after it.
    dark = [(x, y) for y in range(image.height) for x in range(image.width) if image.getpixel((x, y)) == 0]
    assert min(x for x, _ in dark) == left + quiet and min(y for _, y in dark) == quiet
    assert max(x for x, _ in dark) == left + image.height - quiet - 1
    # Module for module the same matrix as segno's, drawn at `scale` dots each.
    matrix = list(code.matrix_iter(scale=1, border=4))
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            pixel = image.getpixel((left + c * scale + scale // 2, r * scale + scale // 2))
            assert (pixel == 0) == bool(value), (r, c)


def test_the_svg_is_scalable_and_draws_the_same_matrix_as_segno(client, print_claim):
    created = print_claim()

    response = client.get(f"{claim_path(created.token)}/qr.svg")

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    assert 'width="32mm"' in svg
    drawn = [[False] * side for _ in range(side)]
    for x, y, w, h in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\d+z", svg):
        for r in range(int(y), int(y) + int(h)):
            for c in range(int(x), int(x) + int(w)):
                drawn[r][c] = True
    expected = [
        [bool(v) for v in row] for row in segno.make_qr(claim_url(created.token), error="m").matrix_iter(border=4)
    ]
    assert drawn == expected


def test_the_json_images_are_the_ones_the_routes_serve(cashier, program):
    body = post(cashier.client(), "/receipts", check_body()).json()

    png = base64.b64decode(body["qr_png"].split(",", 1)[1])
    assert decode(png) == [body["claim_url"]]
    assert cashier.client().get(urlsplit(body["urls"]["qr_png_58"]).path).content == png
    assert cashier.client().get(urlsplit(body["urls"]["qr_svg"]).path).content.decode() == body["qr_svg"]
