"""The operator's admin: make a batch through the service, download its PDF, read its attribution."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from stampcard.inserts import services
from stampcard.inserts.models import Insert, InsertBatch
from stampcard.merchants.models import StaffUser
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.inserts.conftest import inserts_of, make_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = StaffUser.objects.create_superuser(email="operator@example.com", password="long enough secret 42")
    client.force_login(user)
    return client


def add_form(merchant, program, **overrides):
    data = {
        "merchant": merchant.pk,
        "name": "Bolt — January",
        "aggregator": "bolt_food",
        "aggregator_name": "",
        "program": program.pk,
        "location": "",
        "count": "14",
        "benefit_kind": "stamp",
        "stamps": "1",
        "benefit_title": "",
        "benefit_description": "",
        "voucher_validity": "null",
    }
    data.update(overrides)
    return data


def test_the_operator_makes_a_batch_with_its_inserts(operator, merchant, program):
    assert operator.get(reverse("admin:inserts_insertbatch_add")).status_code == 200
    response = operator.post(reverse("admin:inserts_insertbatch_add"), add_form(merchant, program))

    assert response.status_code == 302, response.content.decode()[:3000]
    batch = InsertBatch.objects.get()
    assert (batch.name, batch.aggregator, batch.count, batch.program) == ("Bolt — January", "bolt_food", 14, program)
    assert Insert.objects.filter(batch=batch).count() == 14
    assert batch.created_by.email == "operator@example.com"


def test_the_add_form_refuses_a_voucher_without_a_title_and_a_foreign_program(operator, merchant, program):
    stranger_program = ProgramFactory(merchant=MerchantFactory())

    untitled = operator.post(
        reverse("admin:inserts_insertbatch_add"), add_form(merchant, program, benefit_kind="voucher")
    )
    foreign = operator.post(reverse("admin:inserts_insertbatch_add"), add_form(merchant, stranger_program))

    assert untitled.status_code == 200 and "Give the voucher or gift a title" in untitled.content.decode()
    assert foreign.status_code == 200 and "This program belongs to another merchant." in foreign.content.decode()
    assert not InsertBatch.objects.exists()


def test_the_batch_page_shows_attribution_and_the_pdf_link(operator, manager, program):
    batch = make_batch(manager.actor(), count=13)
    services.insert_claim(token=inserts_of(batch)[0].token, card=CardFactory(program=program), new_customer=True)

    page = operator.get(reverse("admin:inserts_insertbatch_change", args=[batch.pk])).content.decode()
    listing = operator.get(reverse("admin:inserts_insertbatch_changelist")).content.decode()
    document = operator.get(reverse("admin:inserts_insertbatch_pdf", kwargs={"batch_id": batch.pk}))

    assert "New customers" in page and "<th>Claims</th><td>1</td>" in page and "<th>Unclaimed</th><td>12</td>" in page
    assert reverse("admin:inserts_insertbatch_pdf", kwargs={"batch_id": batch.pk}) in listing
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(document.content)).pages) == 2


def test_staff_without_admin_rights_cannot_download(client, manager, program):
    batch = make_batch(manager.actor())
    client.force_login(manager.membership.user)

    response = client.get(reverse("admin:inserts_insertbatch_pdf", kwargs={"batch_id": batch.pk}))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
