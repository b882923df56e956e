"""The operator's admin lists receipt claims read-only, with their state."""

import re

import pytest
from django.urls import reverse

from stampcard.merchants.models import StaffUser
from stampcard.receipts import services
from stampcard.receipts.models import VoidReason
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(StaffUser.objects.create_superuser(email="operator@example.com", password="long enough 42"))
    return client


def test_the_list_shows_each_claims_state_check_and_card(operator, print_claim, program, cashier):
    opened, collected, voided = print_claim(external_id="P-OPEN"), print_claim(), print_claim()
    card = CardFactory(program=program)
    services.receipt_collect(claim_id=collected.claim.pk, card=card)
    services.receipt_void(actor=cashier.actor(), ref=voided.claim.code, reason=VoidReason.REFUSED)
    url = reverse("admin:receipts_receipttoken_changelist")

    page = operator.get(url).content.decode()
    only_open = operator.get(url, {"state": "open"}).content.decode()

    assert "P-OPEN" in page and card.number in page
    assert {"open", "claimed", "void"} <= set(re.findall(r"field-state\">(\w+)<", page))
    assert opened.claim.code in only_open and collected.claim.code not in only_open
    assert voided.claim.code not in only_open


def test_claims_cannot_be_added_changed_or_deleted_there(operator, print_claim):
    created = print_claim()

    change = operator.get(reverse("admin:receipts_receipttoken_change", args=[created.claim.pk]))

    assert change.status_code == 200 and created.token not in change.content.decode()
    assert operator.get(reverse("admin:receipts_receipttoken_add")).status_code == 403
    assert operator.post(reverse("admin:receipts_receipttoken_delete", args=[created.claim.pk])).status_code == 403
