"""Dates inside sentences on the customer's pages (receipt claim, voucher) read cleanly in every language: no
"a.m.." where a sentence ends on a time."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from stampcard.core.clock import frozen_at
from stampcard.receipts import services as receipts_services
from stampcard.receipts.presenters import claim_path
from stampcard.vouchers.services import Validity, voucher_issue
from tests.public.conftest import IPHONE_UA
from tests.receipts.conftest import a_check

pytestmark = pytest.mark.django_db

# 01:13 in Kyiv (the merchant's zone): the hour Django's English "P" format writes as "1:13 a.m."
NIGHT = datetime(2026, 3, 9, 23, 13, tzinfo=UTC)


def _page(path: str, language: str) -> str:
    client = Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": language})
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "March 24, 2026, 01:13"), ("uk", "24 березня 2026 р. 01:13")]
)
def test_the_receipt_claim_page_ends_its_sentence_with_one_period(cashier, program, language, expected):
    with frozen_at(NIGHT):
        created = receipts_services.receipt_create(actor=cashier.actor(), check=a_check())
        program_days = (created.claim.expires_at - NIGHT).days
        html = _page(claim_path(created.token), language)

    assert program_days == 14, "the expected text assumes two weeks to claim"
    assert f"{expected}." in html
    assert ".." not in html.replace("...", "")


@pytest.mark.parametrize(
    ("language", "valid_from", "valid_until"),
    [("en", "03/10/2026 01:13", "03/11/2026 01:13"), ("uk", "10.03.2026 01:13", "11.03.2026 01:13")],
)
def test_the_voucher_page_ends_its_sentences_with_one_period(manager, program, language, valid_from, valid_until):
    with frozen_at(NIGHT - timedelta(days=1)):
        [voucher] = voucher_issue(
            actor=manager.actor(), title="Free croissant", valid_from=NIGHT, validity=Validity(days=1)
        )
        before = _page(f"/v/{voucher.public_token}", language)
    with frozen_at(NIGHT + timedelta(minutes=5)):
        during = _page(f"/v/{voucher.public_token}", language)

    assert f"{valid_from}." in before and f"{valid_until}." in during
    assert ".." not in before.replace("...", "") + during.replace("...", "")
