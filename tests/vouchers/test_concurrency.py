"""Redemption under real concurrency: threads with their own PostgreSQL connections, released at one instant."""

import pytest

from stampcard.cards.models import CardEvent, EventKind
from stampcard.core.clock import frozen_at
from stampcard.core.testing import run_concurrently
from stampcard.merchants.metering import usage_get
from stampcard.merchants.models import Role
from stampcard.vouchers import expiry, services
from stampcard.vouchers.errors import VoucherAlreadyRedeemed
from stampcard.vouchers.services import Validity
from tests.api.helpers import post
from tests.conftest import make_staff, reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.vouchers.conftest import T0, issue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant = MerchantFactory()
    return make_staff(merchant, Role.MANAGER), make_staff(merchant, Role.CASHIER)


def test_sixteen_threads_redeem_one_card_voucher_once(shop):
    manager, cashier = shop
    card = CardFactory(program=ProgramFactory(merchant=manager.merchant))
    voucher = issue(manager.actor(), card=card, validity=Validity(days=30))

    outcomes = run_concurrently(
        lambda i: services.voucher_redeem(actor=cashier.actor(), code=voucher.code, check_external_id=f"P-{i}"), n=16
    )

    assert sum(o.ok for o in outcomes) == 1
    refusals = [o.error for o in outcomes if not o.ok]
    assert len(refusals) == 15 and all(isinstance(e, VoucherAlreadyRedeemed) for e in refusals), refusals
    assert all(e.status == 409 and e.code == "voucher_already_redeemed" for e in refusals)
    assert reload(voucher).state == "redeemed"
    assert CardEvent.objects.filter(card=card, kind=EventKind.VOUCHER_REDEEMED).count() == 1
    assert usage_get(merchant=manager.merchant).operations == 2  # one issue, one redemption


def test_sixteen_tills_redeem_one_bearer_voucher_over_http_once(shop):
    manager, cashier = shop
    voucher = issue(manager.actor())

    outcomes = run_concurrently(lambda i: post(cashier.client(), f"/vouchers/{voucher.code}/redeem"), n=16)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    statuses = sorted(o.value.status_code for o in outcomes)
    assert statuses == [200] + [409] * 15
    assert {o.value.json()["code"] for o in outcomes if o.value.status_code == 409} == {"voucher_already_redeemed"}


def test_a_claim_racing_redemptions_keeps_the_ledger_consistent(shop):
    manager, cashier = shop
    ProgramFactory(merchant=manager.merchant)
    voucher = issue(manager.actor())

    def act(i):
        if i == 0:
            return services.voucher_claim(token=voucher.public_token, name="Olena")
        return services.voucher_redeem(actor=cashier.actor(), code=voucher.code)

    outcomes = run_concurrently(act, n=8)

    voucher = reload(voucher)
    assert sum(o.ok for o in outcomes[1:]) == 1 and voucher.state == "redeemed"
    if voucher.card_id is not None:  # the claim won the race: the redemption landed in the card's ledger
        kinds = list(CardEvent.objects.filter(card_id=voucher.card_id).values_list("kind", flat=True))
        assert kinds.count(EventKind.VOUCHER_REDEEMED) == (1 if outcomes[0].ok else 0)


def test_redeeming_at_the_last_moment_under_concurrency_with_the_job(shop):
    manager, cashier = shop
    with frozen_at(T0):
        vouchers = services.voucher_issue(actor=manager.actor(), title="Flyer", count=8, validity=Validity(days=1))
    end = vouchers[0].expires_at

    def act(i):
        with frozen_at(end):
            if i < 8:
                return services.voucher_redeem(actor=cashier.actor(), code=vouchers[i].code)
            return expiry.vouchers_expire_due()

    outcomes = run_concurrently(act, n=9)

    assert not any(o.ok for o in outcomes[:8])
    assert all(reload(v).state == "expired" for v in vouchers)
