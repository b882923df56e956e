import io

import pytest
from pypdf import PdfReader

from stampcard.cards import links
from tests.factories import MembershipFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db

MM = 72 / 25.4


def qr_page(program) -> str:
    return f"{links.join_path(program)}/qr"


def test_the_join_qr_page_needs_a_login(client, program):
    response = client.get(qr_page(program))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_merchants_staff_cannot_open_it(client, program):
    outsider = MembershipFactory(merchant=MerchantFactory())
    client.force_login(outsider.user)

    assert client.get(qr_page(program)).status_code == 404
    assert client.get(f"{links.join_path(program)}/label-10x15.pdf").status_code == 404


def test_an_inactive_membership_cannot_open_it(client, program):
    member = MembershipFactory(merchant=program.merchant, is_active=False)
    client.force_login(member.user)

    assert client.get(qr_page(program)).status_code == 404


def test_the_merchants_staff_see_a_big_join_qr_and_label_links(client, cashier, program, settings):
    settings.BASE_URL = "https://loyalty.example.com"
    client.force_login(cashier.membership.user)

    response = client.get(qr_page(program))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="segno"' in html
    assert f"https://loyalty.example.com/j/{links.program_slug(program)}" in html
    assert "label-10x15.pdf" in html and "label-5x5.pdf" in html


@pytest.mark.parametrize(("size", "width_mm", "height_mm"), [("10x15", 100, 150), ("5x5", 50, 50)])
def test_labels_are_one_page_pdfs_of_the_right_size(client, cashier, size, width_mm, height_mm):
    program = ProgramFactory(merchant=cashier.merchant, is_default=False, name="Кавова картка")
    cashier.merchant.name = "Кав'ярня Зерно"
    cashier.merchant.save()
    client.force_login(cashier.membership.user)

    response = client.get(f"{links.join_path(program)}/label-{size}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(width_mm * MM, abs=0.1)
    assert float(box.height) == pytest.approx(height_mm * MM, abs=0.1)
    text = reader.pages[0].extract_text()
    assert "Зерно" in text


def test_an_unknown_label_size_is_not_found(client, cashier, program):
    client.force_login(cashier.membership.user)

    assert client.get(f"{links.join_path(program)}/label-a4.pdf").status_code == 404
