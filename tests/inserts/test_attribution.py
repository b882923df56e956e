"""What a batch brought: opens, claims, new against existing customers, and their later visits and spend."""

import pytest

from stampcard.cards.checks import CheckInput
from stampcard.checkouts import services as checkouts_services
from stampcard.inserts import services
from stampcard.inserts.selectors import insert_batch_attribution, insert_batches_attribution
from tests.conftest import reload
from tests.factories import CardFactory
from tests.inserts.conftest import claim_path, inserts_of, join_data, make_batch

pytestmark = pytest.mark.django_db


def checkout(actor, card, external_id: str, total: int = 12000):
    return checkouts_services.checkout_commit(
        actor=actor,
        card_ref=card.number,
        check=CheckInput(external_id=external_id, total=total, currency="UAH"),
    )


def test_a_fresh_batch_has_nothing_but_its_inserts(batch):
    stats = insert_batch_attribution(batch=batch)

    assert (stats.inserts, stats.scans, stats.claims, stats.unclaimed) == (3, 0, 0, 3)
    assert (stats.new_customers, stats.existing_customers, stats.later_visits, stats.later_revenue) == (0, 0, 0, 0)
    assert stats.last_claim_at is None and stats.currency == "UAH"


def test_attribution_counts_scans_claims_new_and_existing_customers_and_later_visits(
    manager_actor, cashier, program, phone
):
    batch = make_batch(manager_actor, count=10)
    inserts = inserts_of(batch)
    regular = CardFactory(program=program)
    checkout(cashier.actor(), regular, "BEFORE-1", total=99999)  # before the claim: not the insert's doing
    # Two new customers join through the page; the regular claims with the card they already had.
    for index, name in enumerate(["Olena", "Taras"]):
        phone.get(claim_path(inserts[index]))
        phone.post(claim_path(inserts[index]), join_data(name=name))
        phone.cookies.clear()
    phone.get(claim_path(inserts[5]))  # opened, never claimed
    services.insert_claim(token=inserts[2].token, card=regular)
    olena = inserts[0].claim.card
    # Later: Olena comes twice, the regular once; an insert of another batch is no visit.
    checkout(cashier.actor(), olena, "P-1", total=12000)
    checkout(cashier.actor(), olena, "P-2", total=8000)
    checkout(cashier.actor(), regular, "P-3", total=5000)
    services.insert_claim(token=inserts_of(make_batch(manager_actor, name="Other"))[0].token, card=olena)

    stats = insert_batch_attribution(batch=reload(batch))

    assert (stats.scans, stats.claims, stats.unclaimed) == (3, 3, 7)
    assert (stats.new_customers, stats.existing_customers) == (2, 1)
    assert (stats.later_visits, stats.customers_returned, stats.later_revenue) == (3, 2, 25000)
    assert stats.last_claim_at is not None


def test_visits_of_one_batchs_customers_do_not_count_for_another(manager_actor, cashier, program):
    december, january = make_batch(manager_actor, name="December"), make_batch(manager_actor, name="January")
    olena, taras = CardFactory(program=program), CardFactory(program=program)
    services.insert_claim(token=inserts_of(december)[0].token, card=olena)
    services.insert_claim(token=inserts_of(january)[0].token, card=taras)
    checkout(cashier.actor(), olena, "P-1")
    services.insert_claim(token=inserts_of(january)[1].token, card=olena)  # January's now too, after that visit
    checkout(cashier.actor(), olena, "P-2")

    stats = insert_batches_attribution(batches=[december, january])

    assert (stats[december.pk].later_visits, stats[december.pk].customers_returned) == (2, 1)
    assert (stats[january.pk].later_visits, stats[january.pk].customers_returned) == (1, 1)
    assert stats[january.pk].claims == 2 and stats[december.pk].claims == 1


def test_the_attribution_of_many_batches_takes_three_queries(manager_actor, program, django_assert_num_queries):
    batches = [make_batch(manager_actor, count=20, name=f"B{n}") for n in range(4)]
    for batch in batches:
        for insert in inserts_of(batch)[:5]:
            services.insert_claim(token=insert.token, card=CardFactory(program=program))

    with django_assert_num_queries(3):
        stats = insert_batches_attribution(batches=batches)

    assert [stats[b.pk].claims for b in batches] == [5, 5, 5, 5]
