"""Merging duplicate customers: one customer and one card per program remain, balances and lifetime counts
combined, vouchers, rewards and checks moved, both ledgers told who did it, and nothing lands on the closed card."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stampcard.cards import selectors as cards_selectors
from stampcard.cards.models import Card, CardChange, CardEvent, Check, EventKind
from stampcard.checkouts import merge
from stampcard.checkouts import services as checkouts_services
from stampcard.core.errors import NotFound
from stampcard.customers.duplicates import duplicate_groups, normalise_email
from stampcard.customers.errors import CustomerAlreadyMerged, CustomerErasedCannotMerge, MergeSameCustomer
from stampcard.customers.models import Customer, CustomerMerge
from stampcard.customers.privacy import customer_erase
from stampcard.merchants.errors import RoleForbidden
from stampcard.merchants.models import Role
from stampcard.rewards.models import Reward, RewardState
from stampcard.vouchers.issuing import voucher_issue_to_card
from stampcard.vouchers.models import Voucher
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, CustomerFactory, MerchantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def stamp(actor, card, n=1):
    for _ in range(n):
        checkouts_services.checkout_commit(actor=actor, card_ref=card.number, check=a_check())


@pytest.fixture
def pair(manager, program):
    """Two customers of one person, each with a card of the same program."""
    survivor = CustomerFactory(merchant=manager.merchant, name="Olena K", email="olena@example.com")
    absorbed = CustomerFactory(merchant=manager.merchant, name="Olena Kovalenko", phone="+380501234567")
    return (
        CardFactory(program=program, customer=survivor),
        CardFactory(program=program, customer=absorbed),
    )


def test_merging_combines_the_cards_of_one_program_and_records_it_in_both_ledgers(manager, pair):
    kept, closed = pair
    actor = manager.actor()
    stamp(actor, kept, 3)
    stamp(actor, closed, 2)

    record = merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    kept, closed = reload(kept), reload(closed)
    assert (kept.stamps, kept.lifetime_stamps) == (5, 5)
    assert (closed.stamps, closed.lifetime_stamps) == (0, 0)
    assert closed.merged_into_id == kept.pk and closed.merged_at is not None
    assert ledger_sum(kept) == kept.stamps and ledger_sum(closed) == closed.stamps
    out = CardEvent.objects.get(card=closed, kind=EventKind.MERGED_OUT)
    into = CardEvent.objects.get(card=kept, kind=EventKind.MERGED_IN)
    assert (out.delta, into.delta) == (-2, 2)
    assert out.actor == into.actor == manager.membership.user
    assert out.payload["into_card"] == kept.number and into.payload["from_card"] == closed.number
    assert record.merged_by == manager.membership.user and record.channel == "api"
    assert record.summary["combined"][0]["stamps"] == 2
    assert Check.objects.filter(card=closed).count() == 0 and Check.objects.filter(card=kept).count() == 5


def test_the_survivor_takes_the_contact_details_it_lacks_and_the_duplicate_is_closed(manager, pair):
    kept, closed = pair

    merge.customers_merge(actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    survivor, absorbed = reload(kept.customer), reload(closed.customer)
    assert (survivor.email, survivor.phone, survivor.name) == ("olena@example.com", "+380501234567", "Olena K")
    assert (absorbed.email, absorbed.phone, absorbed.merged_into_id) == ("", "", survivor.pk)
    assert CustomerMerge.objects.get(absorbed=absorbed).survivor == survivor


def test_the_email_consent_travels_with_the_email(manager, program):
    survivor = CustomerFactory(merchant=manager.merchant, phone="+380501234567")
    absorbed = CustomerFactory(merchant=manager.merchant, email="o@example.com", marketing_email_consent=True)
    CardFactory(program=program, customer=survivor)

    merge.customers_merge(actor=manager.actor(), survivor_id=survivor.pk, absorbed_id=absorbed.pk)

    survivor = reload(survivor)
    assert survivor.email == "o@example.com" and survivor.marketing_email_consent


def test_vouchers_rewards_and_a_card_of_another_program_move_to_the_survivor(manager, pair):
    kept, closed = pair
    actor = manager.actor()
    stamp(actor, closed, 8)  # the goal: an award waits at the counter
    voucher = voucher_issue_to_card(actor=actor, card=closed, title="Cake")
    other = CardFactory(program=ProgramFactory(merchant=manager.merchant, is_default=False), customer=closed.customer)

    merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    assert reload(voucher).card_id == kept.pk
    assert Reward.objects.get(state=RewardState.READY).card_id == kept.pk
    assert reload(kept).rewards_earned == 1 and reload(closed).rewards_earned == 0
    other = reload(other)
    assert other.customer_id == kept.customer_id and other.merged_into_id is None
    assert CardEvent.objects.get(card=other, kind=EventKind.MERGED_IN).delta == 0
    assert Card.objects.filter(customer=kept.customer, merged_into__isnull=True).count() == 2


def test_combined_stamps_reach_the_reward_they_add_up_to(manager, program):
    actor = manager.actor()
    kept = CardFactory(program=program, customer=CustomerFactory(merchant=manager.merchant))
    closed = CardFactory(program=program, customer=CustomerFactory(merchant=manager.merchant))
    stamp(actor, kept, 5)
    stamp(actor, closed, 6)

    merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    kept = reload(kept)
    assert (kept.stamps, kept.lifetime_stamps, kept.rewards_earned) == (3, 11, 1)  # 11 = one goal of 8 + 3
    assert Reward.objects.filter(card=kept, state=RewardState.READY).count() == 1
    assert ledger_sum(kept) == kept.stamps


def test_the_closed_card_number_and_qr_find_the_survivor_and_stamps_land_there(manager, pair):
    kept, closed = pair
    actor = manager.actor()
    merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    assert cards_selectors.card_get(merchant=manager.merchant, ref=closed.number) == kept
    assert cards_selectors.card_get(merchant=manager.merchant, ref=closed.qr_payload) == kept
    result = checkouts_services.checkout_commit(actor=actor, card_ref=closed.qr_payload, check=a_check())

    assert result.card.pk == kept.pk
    assert (reload(kept).stamps, reload(closed).stamps) == (1, 0)
    assert CardEvent.objects.filter(card=closed, kind=EventKind.STAMP).count() == 0


def test_refunding_a_check_of_the_closed_card_takes_the_stamps_off_the_survivor(manager, pair):
    kept, closed = pair
    actor = manager.actor()
    checkouts_services.checkout_commit(actor=actor, card_ref=closed.number, check=a_check(external_id="OLD-1"))
    merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    result = checkouts_services.checkout_reverse(actor=actor, external_id="OLD-1")

    assert result.stamps_reversed == 1 and result.card.pk == kept.pk
    assert reload(kept).stamps == 0 and ledger_sum(kept) == 0


def test_the_closed_card_wallet_is_told_and_the_directory_no_longer_lists_it(manager, pair):
    kept, closed = pair
    Card.objects.filter(pk=closed.pk).update(in_wallet=True)

    merge.customers_merge(actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    assert CardChange.objects.filter(card=closed).exists()
    hits = cards_selectors.card_identify(merchant=manager.merchant, query="Olena")
    assert [c.pk for c in hits] == [kept.pk]


def test_merging_a_customer_with_itself_is_refused(manager, pair):
    kept, _ = pair
    with pytest.raises(MergeSameCustomer) as refused:
        merge.customers_merge(actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=kept.customer_id)
    assert refused.value.code == "merge_same_customer"


def test_another_merchants_customer_is_not_found(manager, pair):
    kept, _ = pair
    stranger = CustomerFactory(merchant=MerchantFactory())
    with pytest.raises(NotFound) as refused:
        merge.customers_merge(actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id=stranger.pk)
    assert refused.value.code == "customer_not_found"
    with pytest.raises(NotFound):
        merge.customers_merge(actor=manager.actor(), survivor_id=kept.customer_id, absorbed_id="not-a-uuid")


def test_a_cashier_cannot_merge(merchant, pair):
    kept, closed = pair
    cashier = make_staff(merchant, Role.CASHIER)
    with pytest.raises(RoleForbidden):
        merge.customers_merge(actor=cashier.actor(), survivor_id=kept.customer_id, absorbed_id=closed.customer_id)
    assert reload(closed).merged_into_id is None


def test_a_merged_or_erased_customer_cannot_be_merged_again(manager, pair, program):
    kept, closed = pair
    actor = manager.actor()
    merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)
    with pytest.raises(CustomerAlreadyMerged):
        merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)
    third = CardFactory(program=program, customer=CustomerFactory(merchant=manager.merchant)).customer
    customer_erase(actor=actor, customer=third)
    with pytest.raises(CustomerErasedCannotMerge):
        merge.customers_merge(actor=actor, survivor_id=kept.customer_id, absorbed_id=third.pk)


def test_the_preview_shows_what_each_has_and_what_the_result_holds(manager, pair):
    kept, closed = pair
    actor = manager.actor()
    stamp(actor, kept, 2)
    stamp(actor, closed, 3)

    preview = merge.merge_preview(actor=actor, survivor_id=kept.customer_id, absorbed_id=closed.customer_id)

    (row,) = preview.programs
    assert (row.survivor.stamps, row.absorbed.stamps, row.stamps, row.lifetime_stamps) == (2, 3, 5, 5)
    assert preview.taken_over == {"phone": "+380501234567"}
    assert not CustomerMerge.objects.exists()


def test_duplicates_are_found_by_normalised_email_phone_and_name(merchant):
    a = CustomerFactory(merchant=merchant, name="Olena K", email="olena.k+cafe@gmail.com")
    b = CustomerFactory(merchant=merchant, name="Another", email="olenak@googlemail.com")
    c = CustomerFactory(merchant=merchant, name="Petro", phone="+380671112233")
    d = CustomerFactory(merchant=merchant, name="Petro Ivanenko", phone="+0671112233")
    e = CustomerFactory(merchant=merchant, name="Ivan Franko")
    f = CustomerFactory(merchant=merchant, name="ivan  franko")
    f.name_folded = "ivan franko"
    f.save()
    CustomerFactory(merchant=merchant, name="Alone", email="alone@example.com")
    CustomerFactory(merchant=MerchantFactory(), name="Ivan Franko")  # another merchant's

    groups = duplicate_groups(merchant=merchant)

    found = {(g.reason, frozenset(c.pk for c in g.customers)) for g in groups}
    assert found == {
        ("email", frozenset({a.pk, b.pk})),
        ("phone", frozenset({c.pk, d.pk})),
        ("name", frozenset({e.pk, f.pk})),
    }
    assert [g.reason for g in duplicate_groups(merchant=merchant, customer_id=e.pk)] == ["name"]
    assert normalise_email("J.O+loyal@Gmail.com") == "jo@gmail.com"


def test_duplicates_leave_out_merged_customers(manager, program):
    a = CardFactory(program=program, customer=CustomerFactory(merchant=manager.merchant, name="Same Name"))
    b = CardFactory(program=program, customer=CustomerFactory(merchant=manager.merchant, name="Same Name"))
    assert len(duplicate_groups(merchant=manager.merchant)) == 1

    merge.customers_merge(actor=manager.actor(), survivor_id=a.customer_id, absorbed_id=b.customer_id)

    assert duplicate_groups(merchant=manager.merchant) == []


def test_finding_duplicates_takes_a_fixed_number_of_queries(merchant, django_assert_max_num_queries):
    for i in range(30):
        CustomerFactory(merchant=merchant, name=f"Twin {i // 2}")
    with django_assert_max_num_queries(6):
        groups = duplicate_groups(merchant=merchant)
    assert len(groups) == 15


# -- nothing lost: every balance summed before and after ---------------------------------------------------------


def balances(merchant) -> dict[str, object]:
    cards = Card.objects.filter(merchant=merchant)
    rewards = Reward.objects.filter(merchant=merchant)
    return {
        # stamps on cards, plus those a reward took off a card when it was reached
        "stamps": sum(c.stamps for c in cards) + sum(r.stamps_spent for r in rewards.exclude(state="withdrawn")),
        "lifetime": sum(c.lifetime_stamps for c in cards),
        "vouchers": set(Voucher.objects.filter(merchant=merchant).values_list("pk", "state")),
        "rewards": set(rewards.values_list("pk", "state")),
        "checks": set(Check.objects.filter(merchant=merchant).values_list("pk", "stamps_issued")),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    survivor_stamps=st.lists(st.integers(0, 12), min_size=1, max_size=2),
    absorbed_stamps=st.lists(st.integers(0, 12), min_size=1, max_size=2),
    vouchers=st.integers(0, 2),
    adjust=st.integers(0, 3),
)
def test_a_merge_loses_nothing_and_counts_nothing_twice(survivor_stamps, absorbed_stamps, vouchers, adjust):
    merchant = MerchantFactory()
    manager = make_staff(merchant, Role.MANAGER)
    actor = manager.actor()
    programs = [ProgramFactory(merchant=merchant, goal=5), ProgramFactory(merchant=merchant, goal=7, is_default=False)]
    survivor, absorbed = CustomerFactory(merchant=merchant), CustomerFactory(merchant=merchant)
    for customer, counts in ((survivor, survivor_stamps), (absorbed, absorbed_stamps)):
        for program, n in zip(programs, counts, strict=False):
            card = CardFactory(program=program, customer=customer)
            stamp(actor, card, n)
            if adjust:
                checkouts_services.card_adjust(actor=actor, card_ref=card.number, delta=adjust, reason="welcome")
            for i in range(vouchers):
                voucher_issue_to_card(actor=actor, card=card, title=f"V{i}")
    before = balances(merchant)

    record = merge.customers_merge(actor=actor, survivor_id=survivor.pk, absorbed_id=absorbed.pk)

    after = balances(merchant)
    reached = set(Reward.objects.filter(pk__in=record.summary["rewards_reached"]).values_list("pk", "state"))
    new_vouchers = set(
        Voucher.objects.filter(reward_id__in=record.summary["rewards_reached"]).values_list("pk", "state")
    )
    assert after["stamps"] == before["stamps"]
    assert after["lifetime"] == before["lifetime"]
    assert after["rewards"] == before["rewards"] | reached
    assert after["vouchers"] == before["vouchers"] | new_vouchers
    assert after["checks"] == before["checks"]
    # one customer with one open card per program, and every card's stamps are its ledger's sum
    open_cards = Card.objects.filter(merchant=merchant, merged_into__isnull=True)
    assert set(open_cards.values_list("customer_id", flat=True)) == {survivor.pk}
    assert open_cards.count() == len(programs[: max(len(survivor_stamps), len(absorbed_stamps))])
    for card in Card.objects.filter(merchant=merchant):
        assert ledger_sum(card) == card.stamps
    closed = Card.objects.filter(merchant=merchant, merged_into__isnull=False)
    assert not Voucher.objects.filter(card__in=closed).exists() and not Reward.objects.filter(card__in=closed).exists()
    assert Customer.objects.get(pk=absorbed.pk).merged_into_id == survivor.pk


def test_merging_a_survivor_again_leads_every_closed_card_to_the_last_survivor(manager, program):
    actor = manager.actor()
    a, b, c = (CardFactory(program=program, customer=CustomerFactory(merchant=manager.merchant)) for _ in range(3))
    stamp(actor, a, 1)
    Card.objects.filter(pk=a.pk).update(in_wallet=True)
    merge.customers_merge(actor=actor, survivor_id=b.customer_id, absorbed_id=a.customer_id)
    CardChange.objects.all().delete()

    merge.customers_merge(actor=actor, survivor_id=c.customer_id, absorbed_id=b.customer_id)

    assert reload(a).merged_into_id == c.pk and reload(b).merged_into_id == c.pk
    assert cards_selectors.card_get(merchant=manager.merchant, ref=a.number) == c
    assert CardChange.objects.filter(card=a).exists()  # its pass now names the last survivor
    assert reload(c).stamps == 1
