"""The voucher lifecycle: every move allowed and refused, expiry at the exact boundary, and the audit it leaves."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from stampcard.cards.models import CardEvent, EventKind
from stampcard.core.clock import frozen_at
from stampcard.core.errors import ValidationFailed
from stampcard.merchants.errors import PlanLimitReached, RoleForbidden
from stampcard.merchants.metering import usage_get
from stampcard.merchants.plans import FREE_MONTHLY_OPERATIONS
from stampcard.vouchers import errors, services
from stampcard.vouchers.locks import voucher_lock
from stampcard.vouchers.models import Voucher
from stampcard.vouchers.services import Validity
from stampcard.vouchers.states import VoucherState
from tests.conftest import reload
from tests.factories import CardFactory, MerchantFactory, ProgramFactory
from tests.vouchers.conftest import issue

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
TICK = timedelta(microseconds=1)


def ledger(card, kind):
    return list(CardEvent.objects.filter(card=card, kind=kind).order_by("id"))


def move(voucher, to, actor):
    """Lock the voucher (and its card) and ask for one move, as the services do."""
    with transaction.atomic():
        locked, card = voucher_lock(merchant=voucher.merchant, voucher_id=voucher.pk)
        return services.voucher_transition(locked, to=to, actor=actor, card=card)


# --- issue -----------------------------------------------------------------------------------------------------------


def test_a_voucher_issued_into_a_card_is_active_and_recorded_in_the_ledger(now, manager_actor, card):
    voucher = issue(manager_actor, card=card, validity=Validity(days=30), description="Any size")

    assert voucher.state == VoucherState.ACTIVE
    assert voucher.valid_from == now
    # 30 days on the merchant's wall clock: Kyiv moves to summer time on the way, so an hour less in UTC.
    assert voucher.expires_at.astimezone(card.merchant.tz) == (now + timedelta(days=30, hours=-1)).astimezone(
        card.merchant.tz
    )
    assert voucher.expires_at.astimezone(card.merchant.tz).hour == now.astimezone(card.merchant.tz).hour
    assert voucher.code_source == "generated" and voucher.issued_by == manager_actor.user
    [line] = ledger(card, EventKind.VOUCHER_ISSUED)
    assert (line.delta, line.payload["voucher_id"], line.stamps_after) == (0, str(voucher.pk), card.stamps)
    assert usage_get(merchant=card.merchant).operations == 1


def test_a_voucher_valid_later_is_issued_until_then(now, manager_actor, card):
    voucher = issue(manager_actor, card=card, valid_from=now + timedelta(days=2), validity=Validity(days=7))

    assert voucher.state == VoucherState.ISSUED
    assert voucher.expires_at == now + timedelta(days=9)  # validity counts from valid_from


def test_free_standing_vouchers_in_bulk_form_a_batch_with_distinct_codes(now, manager_actor):
    vouchers = services.voucher_issue(actor=manager_actor, title="Flyer coffee", count=25, batch_name="Spring flyers")

    assert len({v.code for v in vouchers}) == 25 and len({v.public_token for v in vouchers}) == 25
    assert all(v.card_id is None and v.batch_id == vouchers[0].batch_id for v in vouchers)
    assert vouchers[0].batch.name == "Spring flyers" and vouchers[0].batch.count == 25
    assert usage_get(merchant=manager_actor.merchant).operations == 25


def test_public_token_is_not_the_code(now, manager_actor):
    voucher = issue(manager_actor)
    assert voucher.code not in voucher.public_token and len(voucher.public_token) >= 32


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"count": 2, "card": "CARD"}, "count"),
        ({"count": 2, "code": "SUMMER25"}, "count"),
        ({"count": 0}, "count"),
        ({"count": 1001}, "count"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 101}, "title"),
    ],
)
def test_issue_refuses_bad_input(now, manager_actor, card, kwargs, field):
    if kwargs.get("card") == "CARD":
        kwargs["card"] = card
    with pytest.raises(ValidationFailed) as refused:
        issue(manager_actor, **kwargs)
    assert refused.value.details["fields"][0]["field"] == field
    assert not Voucher.objects.exists()


def test_a_validity_that_ends_before_it_starts_is_refused(now, manager_actor):
    with pytest.raises(ValidationFailed) as refused:
        issue(manager_actor, validity=Validity(until=(now - timedelta(days=1)).date()))
    assert refused.value.code == "invalid_validity"


def test_the_plan_cap_refuses_an_issue_and_writes_nothing(now, manager_actor):
    services.voucher_issue(actor=manager_actor, title="Almost all", count=FREE_MONTHLY_OPERATIONS - 2)

    with pytest.raises(PlanLimitReached):
        services.voucher_issue(actor=manager_actor, title="Too many", count=3)

    assert Voucher.objects.count() == FREE_MONTHLY_OPERATIONS - 2
    assert usage_get(merchant=manager_actor.merchant).operations == FREE_MONTHLY_OPERATIONS - 2


def test_issue_works_inside_a_checkout_that_holds_the_card_lock(now, manager_actor, card):
    from stampcard.cards.locks import card_lock

    with transaction.atomic():
        locked = card_lock(merchant=card.merchant, card_id=card.pk)
        voucher = issue(manager_actor, card=locked)
    assert reload(voucher).card_id == card.pk


def test_a_voucher_of_another_merchants_card_cannot_be_issued(now, manager_actor):
    stranger = CardFactory(program=ProgramFactory(merchant=MerchantFactory()))
    with pytest.raises(Exception) as refused:
        issue(manager_actor, card=stranger)
    assert getattr(refused.value, "code", None) == "card_not_found"


# --- codes -----------------------------------------------------------------------------------------------------------


def test_a_merchant_code_is_unique_per_merchant_but_may_repeat_across_merchants(now, manager_actor):
    issue(manager_actor, code="summer-25")
    with pytest.raises(errors.VoucherCodeTaken):
        issue(manager_actor, code="SUMMER25")

    other = MerchantFactory()
    from stampcard.merchants.actors import Actor

    assert issue(Actor.system(other), code="SUMMER25").code == "SUMMER25"


def test_the_database_refuses_two_vouchers_with_one_code(now, manager_actor):
    voucher = issue(manager_actor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.create(
            merchant=voucher.merchant,
            code=voucher.code,
            public_token="another-token-of-enough-length",
            title="Copy",
            state="active",
            valid_from=now,
        )


def test_a_random_code_collision_draws_again(now, manager_actor, monkeypatch):
    from stampcard.vouchers.codes import check_symbol

    taken = issue(manager_actor).code
    wanted = "K7QM2XWP9" + check_symbol("K7QM2XWP9")
    fresh = iter([taken, taken, wanted])
    monkeypatch.setattr(services, "random_code", lambda: next(fresh))

    assert issue(manager_actor).code == wanted


# --- allowed moves ---------------------------------------------------------------------------------------------------


def test_active_to_redeemed(now, manager_actor, cashier_actor, card):
    voucher = issue(manager_actor, card=card)

    redeemed = services.voucher_redeem(actor=cashier_actor, code=voucher.code, check_external_id="P-1")

    assert redeemed.state == VoucherState.REDEEMED
    assert (redeemed.redeemed_at, redeemed.redeemed_by) == (now, cashier_actor.user)
    assert redeemed.redeemed_location == cashier_actor.location and redeemed.redeemed_check_external_id == "P-1"
    [line] = ledger(card, EventKind.VOUCHER_REDEEMED)
    assert line.delta == 0 and line.payload == {"voucher_id": str(voucher.pk), "check_external_id": "P-1"}
    assert line.location == cashier_actor.location
    assert usage_get(merchant=card.merchant).operations == 2  # the issue and the redemption


def test_issued_becomes_active_when_valid_from_passes_and_can_then_be_redeemed(now, manager_actor, cashier_actor):
    voucher = issue(manager_actor, valid_from=now + timedelta(hours=1))

    with frozen_at(now + timedelta(hours=1)):
        redeemed = services.voucher_redeem(actor=cashier_actor, code=voucher.code)

    assert redeemed.state == VoucherState.REDEEMED


def test_issued_to_cancelled(now, manager_actor, card):
    voucher = issue(manager_actor, card=card, valid_from=now + timedelta(days=1))

    cancelled = services.voucher_cancel(actor=manager_actor, code=voucher.code, reason="Customer asked")

    assert cancelled.state == VoucherState.CANCELLED and cancelled.cancel_reason == "Customer asked"
    assert [e.payload["voucher_id"] for e in ledger(card, EventKind.VOUCHER_CANCELLED)] == [str(voucher.pk)]


def test_active_to_cancelled(now, manager_actor):
    voucher = issue(manager_actor)
    assert services.voucher_cancel(actor=manager_actor, code=voucher.code).cancelled_at == now


def test_active_to_expired_by_the_clock(now, manager_actor, system_actor, card):
    voucher = issue(manager_actor, card=card, validity=Validity(days=1))

    with frozen_at(voucher.expires_at):
        expired = move(voucher, VoucherState.EXPIRED, system_actor)

    assert expired.state == VoucherState.EXPIRED and expired.expired_at == voucher.expires_at
    assert len(ledger(card, EventKind.VOUCHER_EXPIRED)) == 1


def test_issued_to_expired_by_the_clock(now, manager_actor, system_actor):
    voucher = issue(manager_actor, valid_from=now + timedelta(days=1), validity=Validity(days=1))
    with frozen_at(now + timedelta(days=3)):
        assert move(voucher, VoucherState.EXPIRED, system_actor).state == VoucherState.EXPIRED


def test_a_move_the_clock_already_made_is_a_no_op(now, manager_actor, system_actor):
    voucher = issue(manager_actor, valid_from=now + timedelta(minutes=5))
    with frozen_at(now + timedelta(minutes=5)):
        assert move(voucher, VoucherState.ACTIVE, system_actor).state == VoucherState.ACTIVE
        assert move(voucher, VoucherState.ACTIVE, system_actor).state == VoucherState.ACTIVE


# --- refused moves ---------------------------------------------------------------------------------------------------


def test_an_issued_voucher_cannot_be_redeemed_before_valid_from(now, manager_actor, cashier_actor):
    voucher = issue(manager_actor, valid_from=now + timedelta(hours=1))

    with frozen_at(now + timedelta(hours=1) - TICK), pytest.raises(errors.VoucherNotYetValid) as refused:
        services.voucher_redeem(actor=cashier_actor, code=voucher.code)

    assert refused.value.status == 409 and refused.value.details["valid_from"] == voucher.valid_from.isoformat()
    assert reload(voucher).state == VoucherState.ISSUED


@pytest.mark.parametrize("to", [VoucherState.ACTIVE, VoucherState.EXPIRED])
def test_the_clocks_moves_cannot_be_asked_for_early(now, manager_actor, system_actor, to):
    voucher = issue(manager_actor, valid_from=now + timedelta(hours=1), validity=Validity(days=1))
    with pytest.raises(errors.Conflict):
        move(voucher, to, system_actor)
    assert reload(voucher).state == VoucherState.ISSUED


def test_an_active_voucher_cannot_expire_before_its_time(now, manager_actor, system_actor):
    voucher = issue(manager_actor, validity=Validity(days=1))
    with pytest.raises(errors.Conflict) as refused:
        move(voucher, VoucherState.EXPIRED, system_actor)
    assert refused.value.code == "voucher_invalid_transition"


def test_an_unlimited_voucher_never_expires(now, manager_actor, cashier_actor):
    voucher = issue(manager_actor)
    with frozen_at(now + timedelta(days=3650)):
        assert services.voucher_redeem(actor=cashier_actor, code=voucher.code).state == VoucherState.REDEEMED


@pytest.mark.parametrize(
    ("final", "error"),
    [
        ("redeemed", errors.VoucherAlreadyRedeemed),
        ("cancelled", errors.VoucherCancelled),
        ("expired", errors.VoucherExpired),
    ],
)
@pytest.mark.parametrize("to", [VoucherState.REDEEMED, VoucherState.CANCELLED, VoucherState.ACTIVE])
def test_a_final_state_is_final(now, manager_actor, cashier_actor, system_actor, card, final, error, to):
    voucher = issue(manager_actor, card=card, validity=Validity(days=1))
    later = now
    if final == "redeemed":
        services.voucher_redeem(actor=cashier_actor, code=voucher.code)
    elif final == "cancelled":
        services.voucher_cancel(actor=manager_actor, code=voucher.code)
    else:
        later = voucher.expires_at
        with frozen_at(later):
            move(voucher, VoucherState.EXPIRED, system_actor)
    events = CardEvent.objects.filter(card=card).count()

    with frozen_at(later + SECOND), pytest.raises(error) as refused:
        move(voucher, to, manager_actor)

    assert refused.value.status == 409
    assert reload(voucher).state == final
    assert CardEvent.objects.filter(card=card).count() == events


def test_a_second_redemption_says_when_the_first_one_was(now, manager_actor, cashier_actor):
    voucher = issue(manager_actor)
    services.voucher_redeem(actor=cashier_actor, code=voucher.code)
    with pytest.raises(errors.VoucherAlreadyRedeemed) as refused:
        services.voucher_redeem(actor=cashier_actor, code=voucher.code)
    assert refused.value.details == {"redeemed_at": now.isoformat()}


def test_only_a_manager_cancels(now, manager_actor, cashier_actor):
    voucher = issue(manager_actor)
    with pytest.raises(RoleForbidden):
        services.voucher_cancel(actor=cashier_actor, code=voucher.code)
    assert reload(voucher).state == VoucherState.ACTIVE


# --- expiry at the boundary ------------------------------------------------------------------------------------------


def test_a_voucher_can_be_redeemed_up_to_the_last_microsecond(now, manager_actor, cashier_actor):
    voucher = issue(manager_actor, validity=Validity(days=30))
    with frozen_at(voucher.expires_at - TICK):
        assert services.voucher_redeem(actor=cashier_actor, code=voucher.code).redeemed_at == voucher.expires_at - TICK


@pytest.mark.parametrize("after", [timedelta(0), SECOND, timedelta(days=400)])
def test_an_expired_voucher_is_refused_from_its_expiry_on_even_before_the_job_ran(
    now, manager_actor, cashier_actor, card, after
):
    voucher = issue(manager_actor, card=card, validity=Validity(until=now.date()))
    assert reload(voucher).state == VoucherState.ACTIVE  # nothing has marked it expired

    with frozen_at(voucher.expires_at + after), pytest.raises(errors.VoucherExpired) as refused:
        services.voucher_redeem(actor=cashier_actor, code=voucher.code)

    assert refused.value.details["expires_at"] == voucher.expires_at.isoformat()
    assert not ledger(card, EventKind.VOUCHER_REDEEMED)
    assert usage_get(merchant=card.merchant).operations == 1  # the issue only


def test_the_database_refuses_a_redemption_after_the_expiry_whatever_code_writes_it(now, manager_actor):
    voucher = issue(manager_actor, validity=Validity(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(state="redeemed", redeemed_at=voucher.expires_at)


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "redeemed"},  # no redeemed_at
        {"state": "cancelled"},  # no cancelled_at
        {"state": "expired"},  # no expired_at
        {"state": "active", "redeemed_at": "NOW"},  # a timestamp without its state
        {"state": "limbo"},
        {"expires_at": "VALID_FROM"},  # expires no later than it starts
    ],
)
def test_the_database_holds_timestamps_to_the_state(now, manager_actor, fields):
    voucher = issue(manager_actor, validity=Validity(days=1))
    values = {
        k: {"NOW": now, "VALID_FROM": voucher.valid_from}.get(v, v) if isinstance(v, str) else v
        for k, v in fields.items()
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(**values)


def test_a_reward_voucher_needs_a_card_in_the_database(now, manager_actor):
    from stampcard.rewards.models import Reward

    card = CardFactory(program=ProgramFactory(merchant=manager_actor.merchant))
    reward = Reward.objects.create(merchant=card.merchant, card=card, kind="voucher", title="Free", stamps_spent=8)
    voucher = issue(manager_actor, card=card, reward=reward)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(card=None)


# --- vouchers of rewards ---------------------------------------------------------------------------------------------


@pytest.fixture
def reward(card):
    from stampcard.rewards.models import Reward

    return Reward.objects.create(merchant=card.merchant, card=card, kind="voucher", title="Free cake", stamps_spent=8)


def test_a_reward_voucher_is_withdrawn_when_its_check_is_reversed(now, system_actor, card, reward):
    voucher = issue(system_actor, card=card, reward=reward, title=reward.title)

    assert services.voucher_withdraw_for_reward(reward=reward, actor=system_actor) is True

    voucher = reload(voucher)
    assert voucher.state == VoucherState.CANCELLED and voucher.cancel_reason == "reward_withdrawn"
    assert reward.voucher == voucher
    assert len(ledger(card, EventKind.VOUCHER_CANCELLED)) == 1
    assert services.voucher_withdraw_for_reward(reward=reward, actor=system_actor) is True  # again: nothing to do


def test_a_redeemed_reward_voucher_stays_with_the_customer(now, system_actor, cashier_actor, card, reward):
    voucher = issue(system_actor, card=card, reward=reward)
    services.voucher_redeem(actor=cashier_actor, code=voucher.code)

    assert services.voucher_withdraw_for_reward(reward=reward, actor=system_actor) is False
    assert reload(voucher).state == VoucherState.REDEEMED


def test_a_reward_without_a_voucher_has_nothing_to_withdraw(now, system_actor, reward):
    assert services.voucher_withdraw_for_reward(reward=reward, actor=system_actor) is True


def test_a_reward_gets_one_voucher_only(now, system_actor, card, reward):
    issue(system_actor, card=card, reward=reward)
    with pytest.raises(errors.Conflict) as refused:
        issue(system_actor, card=card, reward=reward)
    assert refused.value.code == "voucher_exists_for_reward"


def test_a_reward_voucher_goes_into_the_rewards_own_card(now, system_actor, reward):
    other = CardFactory(program=reward.card.program)
    with pytest.raises(ValidationFailed):
        issue(system_actor, card=other, reward=reward)
