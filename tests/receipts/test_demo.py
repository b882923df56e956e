"""The demo's receipt claim: one open claim whose URL the demo prints, the same one on every run while it is open."""

import pytest

from stampcard.receipts import demo, services
from stampcard.receipts.models import ReceiptToken
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db


def test_the_demo_makes_one_open_claim_and_reuses_it(program, location, owner):
    kwargs = dict(
        merchant=program.merchant,
        program=program,
        location=location,
        owner_actor=owner.actor(),
        base_url="http://127.0.0.1:8123",
    )

    first = demo.seed_demo(**kwargs)
    again = demo.seed_demo(**kwargs)

    assert first == again and ReceiptToken.objects.count() == 1
    url = next(v for k, v in first.items() if k.startswith("Receipt claim"))
    assert url.startswith("http://127.0.0.1:8123/r/")
    claim = ReceiptToken.objects.get()
    assert claim.location == location and claim.stamps >= 1

    services.receipt_collect(claim_id=claim.pk, card=CardFactory(program=program))
    fresh = demo.seed_demo(**kwargs)
    assert fresh != first and ReceiptToken.objects.count() == 2
