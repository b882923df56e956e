"""QR & print: each program's join QR and label PDFs, and the guided start's step."""

import pytest
from django.urls import reverse

from stampcard.cards import links
from stampcard.panel.models import SetupProgress, SetupStep

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_join_qr_and_labels_and_marks_the_step(shop, manager_client):
    page = manager_client.get(reverse("panel:printouts")).content.decode()
    assert links.join_url(shop.program) in page
    assert "<svg" in page and "label-10x15.pdf" in page and "label-5x5.pdf" in page
    assert SetupProgress.objects.filter(merchant=shop.merchant, step=SetupStep.PRINT_JOIN_QR).exists()


def test_the_label_pdf_downloads_for_the_merchants_staff(shop, manager_client):
    url = reverse("join:label", kwargs={"ref": links.program_slug(shop.program), "size": "5x5"})
    response = manager_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_another_merchants_programs_are_not_shown(shop, other_shop, manager_client):
    assert links.join_url(other_shop.program) not in manager_client.get(reverse("panel:printouts")).content.decode()


def test_cashiers_have_no_printouts_page(cashier_client):
    assert cashier_client.get(reverse("panel:printouts")).status_code == 403
