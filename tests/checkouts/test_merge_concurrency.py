"""A merge while cashiers stamp both cards: real threads with their own PostgreSQL connections. Every stamp lands
exactly once, before the merge (and moves with the balance) or after it (on the survivor)."""

import pytest

from stampcard.cards.models import CardEvent, Check, EventKind
from stampcard.checkouts import merge
from stampcard.checkouts.services import checkout_commit
from stampcard.core.testing import run_concurrently
from stampcard.merchants.models import Role
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory, SubscriptionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("by", ["number", "qr_payload"])
def test_stamps_on_both_cards_during_a_merge_are_neither_lost_nor_doubled(by):
    merchant = MerchantFactory(subscription=None)
    SubscriptionFactory(merchant=merchant, plan="paid", interval="month", locations_paid=1)
    manager = make_staff(merchant, Role.MANAGER)
    cashier = make_staff(merchant, Role.CASHIER)
    program = ProgramFactory(merchant=merchant, goal=100)
    kept = CardFactory(program=program, customer=CustomerFactory(merchant=merchant))
    closed = CardFactory(program=program, customer=CustomerFactory(merchant=merchant))
    for card in (kept, closed):
        checkout_commit(actor=cashier.actor(), card_ref=card.number, check=a_check())
    threads = 13  # thread 0 merges; the others stamp, alternating between the two cards, three checks each

    def work(i):
        if i == 0:
            return merge.customers_merge(
                actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=closed.customer_id
            )
        target = getattr(kept if i % 2 else closed, by)
        for n in range(3):
            checkout_commit(actor=cashier.actor(), card_ref=target, check=a_check(external_id=f"T{i}-{n}"))
        return None

    outcomes = run_concurrently(work, n=threads)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    kept, closed = reload(kept), reload(closed)
    expected = 2 + (threads - 1) * 3
    assert Check.objects.count() == expected
    assert kept.stamps == kept.lifetime_stamps == expected
    assert closed.stamps == closed.lifetime_stamps == 0 and closed.merged_into_id == kept.pk
    assert ledger_sum(kept) == kept.stamps and ledger_sum(closed) == 0
    # the closed card took stamps only before its merged_out line, which carried them all over
    out = CardEvent.objects.get(card=closed, kind=EventKind.MERGED_OUT)
    assert not CardEvent.objects.filter(card=closed, kind=EventKind.STAMP, pk__gt=out.pk).exists()
    stamped_before = CardEvent.objects.filter(card=closed, kind=EventKind.STAMP).count()
    assert out.delta == -stamped_before
    assert set(Check.objects.values_list("card_id", flat=True)) == {kept.pk}
