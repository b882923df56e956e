"""Real threads on PostgreSQL: redelivered webhooks racing the POS app's own commit of the same check."""

import json

import pytest

from stampcard.cards.models import Card, CardEvent, Check, EarningRule, EventKind
from stampcard.core.testing import run_concurrently
from stampcard.poster import deliveries
from stampcard.poster.models import PosterWebhookDelivery
from tests.cards.helpers import ledger_sum
from tests.factories import CardFactory, ProgramFactory
from tests.poster.conftest import ACCOUNT, post_webhook

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stored_deliveries(poster, transaction_id: int, count: int) -> list[int]:
    """Poster's retries of one webhook (at fresh times, so each is stored), not processed yet."""
    for i in range(count):
        response = post_webhook(
            poster.webhook_body(ACCOUNT, "transaction", transaction_id, "changed", sent_at=1_700_000_000 + i)
        )
        assert response.status_code == 200
    return list(PosterWebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


def pos_commit(staff, card, transaction_id: int, total: int):
    body = {
        "card": card.number,
        "check": {"external_id": str(transaction_id), "total": total, "currency": "UAH", "pos": "poster"},
    }
    return staff.client().post("/api/v1/checkouts", data=json.dumps(body), content_type="application/json")


def race(poster, staff, card, transaction_id: int, *, pos_total: int, threads: int = 8):
    ids = stored_deliveries(poster, transaction_id, threads // 2)

    def work(i: int):
        if i % 2:
            response = pos_commit(staff, card, transaction_id, pos_total)
            assert response.status_code == 200, response.content
            return response.json()
        return deliveries.delivery_process(delivery_id=ids[i // 2]).outcome

    outcomes = run_concurrently(work, n=threads)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return outcomes


def test_a_redelivered_webhook_and_the_pos_commit_of_one_check_give_one_stamp(
    poster, connected, card, cashier, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # we process by hand
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1)], comment=f"stampcard:{card.number}")
    poster.transaction_close(ACCOUNT, transaction_id)

    race(poster, cashier, card, transaction_id, pos_total=5500)

    assert Check.objects.count() == 1
    assert CardEvent.objects.filter(kind=EventKind.STAMP).count() == 1
    assert Card.objects.get(pk=card.pk).stamps == 1 == ledger_sum(card)


def test_racing_commits_of_different_amounts_settle_on_posters_paid_sum(poster, connected, merchant, cashier, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    program = ProgramFactory(merchant=merchant, earning_rule=EarningRule.PER_AMOUNT, amount_per_stamp=5000)
    card = CardFactory(program=program)
    transaction_id = poster.transaction_open(ACCOUNT, products=[("1", 1), ("3", 1)], comment=f"stampcard:{card.number}")
    poster.transaction_close(ACCOUNT, transaction_id)  # 175.50 UAH paid: 3 stamps

    race(poster, cashier, card, transaction_id, pos_total=5500)  # the POS app thought 55 UAH: 1 stamp

    check = Check.objects.get()
    assert (check.total, check.stamps_issued) == (17550, 3)
    assert Card.objects.get(pk=card.pk).stamps == 3 == ledger_sum(card)
