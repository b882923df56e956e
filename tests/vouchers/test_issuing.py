"""Vouchers a manager makes by hand (``vouchers.issuing``) and the panel's reads of vouchers and batches."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.merchants.errors import RoleForbidden
from stampcard.vouchers import issuing, ratelimit, selectors, services
from stampcard.vouchers.errors import VoucherInvalidInput, VoucherNotFound
from stampcard.vouchers.models import Voucher, VoucherBatch
from stampcard.vouchers.services import Validity
from tests.factories import CardFactory, MerchantFactory


@pytest.fixture
def card(program):
    return CardFactory(program=program)


def test_a_manager_issues_a_voucher_into_a_card_with_its_ledger_line(now, manager_actor, card):
    voucher = issuing.voucher_issue_to_card(
        actor=manager_actor, card=card, title="Free cake", validity=Validity(days=7)
    )
    assert (voucher.card, voucher.state, voucher.issued_by) == (card, "active", manager_actor.user)
    assert CardEvent.objects.filter(card=card, kind=EventKind.VOUCHER_ISSUED).count() == 1


def test_a_cashier_issues_nothing(now, cashier_actor, card):
    with pytest.raises(RoleForbidden):
        issuing.voucher_issue_to_card(actor=cashier_actor, card=card, title="Free cake")
    with pytest.raises(RoleForbidden):
        issuing.voucher_batch_issue(actor=cashier_actor, name="Flyers", count=3, title="Free cake")
    assert not Voucher.objects.exists()


def test_a_batch_holds_count_bearer_vouchers_with_their_own_codes(now, manager_actor):
    batch = issuing.voucher_batch_issue(actor=manager_actor, name=" Spring  fair ", count=5, title="10% off")
    vouchers = list(batch.vouchers.all())
    assert (batch.name, batch.count, batch.created_by) == ("Spring fair", 5, manager_actor.user)
    assert len({v.code for v in vouchers}) == 5
    assert all(v.card_id is None for v in vouchers)


def test_a_batch_of_one_is_still_a_batch(now, manager_actor):
    batch = issuing.voucher_batch_issue(actor=manager_actor, name="Prize", count=1, title="Free cake")
    assert batch.vouchers.count() == 1


@pytest.mark.parametrize(("name", "count"), [("", 3), ("x" * 101, 3), ("Flyers", 0), ("Flyers", 1001)])
def test_a_batch_needs_a_name_and_a_sensible_count(now, manager_actor, name, count):
    with pytest.raises(VoucherInvalidInput):
        issuing.voucher_batch_issue(actor=manager_actor, name=name, count=count, title="Free cake")
    assert not VoucherBatch.objects.exists()


def test_a_voucher_by_id_is_found_only_for_its_merchant(now, manager_actor, card):
    voucher = issuing.voucher_issue_to_card(actor=manager_actor, card=card, title="Free cake")
    assert selectors.voucher_get_by_id(merchant=manager_actor.merchant, voucher_id=voucher.pk) == voucher
    for merchant, voucher_id in ((MerchantFactory(), voucher.pk), (manager_actor.merchant, "not-a-uuid")):
        with pytest.raises(VoucherNotFound):
            selectors.voucher_get_by_id(merchant=merchant, voucher_id=voucher_id)


def test_recent_batches_count_their_redeemed_vouchers(now, manager_actor):
    batch = issuing.voucher_batch_issue(actor=manager_actor, name="Fair", count=3, title="Free cake")
    services.voucher_redeem(actor=manager_actor, code=batch.vouchers.first().code)
    (listed,) = selectors.batches_recent(merchant=manager_actor.merchant)
    assert (listed, listed.redeemed) == (batch, 1)
    assert len(selectors.vouchers_recent(merchant=manager_actor.merchant, limit=2)) == 2


def test_a_staff_login_has_its_own_lookup_scope(manager_actor, system_actor):
    (scope,) = ratelimit.scopes_for_staff(actor=manager_actor)
    assert (scope.kind, scope.key) == ("staff", f"staff:{manager_actor.user.pk}")
    assert ratelimit.scopes_for_staff(actor=system_actor) == []
