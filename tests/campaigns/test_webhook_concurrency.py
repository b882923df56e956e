"""Sending under real concurrency on PostgreSQL: workers sending at once never send one delivery twice, and the
feed run from several workers at once makes each delivery once."""

import uuid
from collections import Counter

import pytest

from stampcard.campaigns.webhooks import sender
from stampcard.campaigns.webhooks.models import WebhookDelivery
from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.core import clock
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from tests.campaigns.helpers import Receiver, endpoint_make, feed_now
from tests.conftest import make_staff
from tests.factories import CardFactory, MerchantFactory, ProgramFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_endpoints(settings):
    settings.STAMPCARD_WEBHOOKS_ALLOW_HTTP = True
    settings.STAMPCARD_WEBHOOKS_TIMEOUT_SECONDS = 5


def _queue(endpoint, n):
    now = clock.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            merchant_id=endpoint.merchant_id,
            endpoint=endpoint,
            event="stamp.added",
            event_key=f"c:{uuid.uuid4()}",
            event_id=uuid.uuid4(),
            body='{"type":"stamp.added"}',
            window_started_at=now,
            next_attempt_at=now,
        )
        for _ in range(n)
    )


def test_two_workers_sending_at_once_send_each_delivery_once():
    merchant = MerchantFactory()
    with Receiver() as receiver:
        endpoints = [endpoint_make(merchant, receiver.url(f"/e{i}"), ["stamp.added"]) for i in range(4)]
        for endpoint in endpoints:
            _queue(endpoint, 15)

        def worker(_i):
            rounds = []
            while True:
                report = sender.deliveries_send_due(per_endpoint=3, limit=6)  # two endpoints a claim
                if not report.endpoints:
                    if not WebhookDelivery.objects.filter(state="pending").exists():
                        return rounds
                    continue  # the other worker holds the rest right now
                rounds.append(report.delivered)

        outcomes = run_concurrently(worker, n=2)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert all(o.value for o in outcomes)  # both workers sent something
    sent = Counter(r.headers["stampcard-delivery"] for r in receiver.requests)
    assert len(sent) == 60 and set(sent.values()) == {1}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    assert sum(sum(o.value) for o in outcomes) == 60


def test_the_feed_run_from_four_workers_at_once_makes_each_delivery_once():
    merchant = MerchantFactory()
    cashier = make_staff(merchant, Role.CASHIER)
    endpoint_make(merchant, "https://hooks.example.com/in", ["stamp.added"])
    program = ProgramFactory(merchant=merchant)
    for n in range(10):
        card = CardFactory(program=program)
        checkouts_services.checkout_commit(
            actor=cashier.actor(),
            card_ref=card.number,
            check=CheckInput(external_id=f"R-{n}", total=100, currency="UAH"),
        )

    outcomes = run_concurrently(lambda _i: feed_now(), n=4)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert WebhookDelivery.objects.filter(event="stamp.added").count() == 10
    assert sum(o.value.deliveries for o in outcomes) == 10
