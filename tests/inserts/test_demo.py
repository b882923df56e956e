"""The demo batch: made once, found again, with a PDF URL and an unused insert's claim URL."""

import pytest

from stampcard.inserts.demo import DEMO_BATCH_NAME, seed_demo
from stampcard.inserts.models import Insert, InsertBatch
from stampcard.merchants.actors import Actor, Channel

pytestmark = pytest.mark.django_db


def test_the_demo_batch_is_made_once_and_returns_its_urls(merchant, program, location, owner):
    actor = Actor(merchant=merchant, channel=Channel.SYSTEM, user=owner.membership.user, location=location)

    first = seed_demo(merchant=merchant, program=program, location=location, owner_actor=actor, base_url="http://demo")
    again = seed_demo(merchant=merchant, program=program, location=location, owner_actor=actor, base_url="http://demo")

    batch = InsertBatch.objects.get(name=DEMO_BATCH_NAME)
    assert first == again
    assert (batch.count, batch.benefit_kind, batch.stamps, batch.aggregator) == (24, "stamp", 1, "glovo")
    assert (
        first["Delivery inserts PDF (API, with a manager or owner key)"]
        == f"http://demo/api/v1/insert-batches/{batch.pk}/pdf"
    )
    assert first["Delivery inserts (panel, owner login)"] == f"http://demo/panel/printouts/inserts/{batch.pk}/"
    first_insert = Insert.objects.get(batch=batch, serial=1)
    assert first[f"Delivery insert No. {first_insert.label}"] == f"http://demo/i/{first_insert.token}"
