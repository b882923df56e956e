"""A friend joins through a card's personal link and makes a first paid visit: the referral is rewarded as the program
says (referrer, friend or both; bonus stamps or a voucher), once."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stampcard.cards.journal import event_details
from stampcard.cards.models import CardEvent, EventKind
from stampcard.checkouts.services import checkout_commit, checkout_reverse
from stampcard.inserts.selectors import INSERT_POS as NOT_VISIT_POS
from stampcard.referrals import codes
from stampcard.referrals.models import Referral, ReferralMode, ReferralRewardKind, ReferralState
from stampcard.vouchers.models import Voucher
from tests.cards.helpers import a_check, ledger_sum
from tests.conftest import reload
from tests.factories import CardFactory, ProgramFactory
from tests.referrals.conftest import a_phone, join_through, referrals_on

pytestmark = pytest.mark.django_db


def bonus_lines(card):
    return list(CardEvent.objects.filter(card=card, kind=EventKind.REFERRAL_BONUS).values_list("delta", "payload"))


@pytest.mark.parametrize(
    ("mode", "referrer_gets", "friend_gets"),
    [(ReferralMode.REFERRER, 2, 0), (ReferralMode.FRIEND, 0, 2), (ReferralMode.BOTH, 2, 2)],
)
def test_a_friends_first_paid_visit_rewards_who_the_program_says(
    program, referrer, cashier, mode, referrer_gets, friend_gets
):
    referrals_on(program, mode=mode)
    friend = join_through(a_phone(), referrer, name="Taras", email="taras@example.com")

    referral = Referral.objects.get(friend_card=friend)
    assert (referral.state, referral.referrer_card, referral.flagged) == (ReferralState.JOINED, referrer, False)
    assert reload(referrer).stamps == 0  # joining alone earns nothing

    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check(external_id="F-1"))

    referral.refresh_from_db()
    assert referral.state == ReferralState.REWARDED and referral.qualifying_check.external_id == "F-1"
    assert reload(referrer).stamps == referrer_gets
    assert reload(friend).stamps == 1 + friend_gets
    assert [d for d, _ in bonus_lines(referrer)] == ([2] if referrer_gets else [])
    assert [p["role"] for _, p in bonus_lines(friend)] == (["friend"] if friend_gets else [])
    assert ledger_sum(reload(referrer)) == reload(referrer).stamps


def test_a_voucher_reward_goes_into_both_cards(program, referrer, cashier):
    referrals_on(program, reward_kind=ReferralRewardKind.VOUCHER, voucher_title="Free dessert", voucher_days=30)
    friend = join_through(a_phone(), referrer, name="Taras")

    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())

    assert list(Voucher.objects.filter(card=referrer).values_list("title", flat=True)) == ["Free dessert"]
    assert list(Voucher.objects.filter(card=friend).values_list("title", flat=True)) == ["Free dessert"]
    assert Voucher.objects.get(card=friend).expires_at is not None
    assert Referral.objects.get(friend_card=friend).state == ReferralState.REWARDED


def test_the_reward_is_granted_once_across_visits_and_replays(program, referrer, cashier):
    referrals_on(program, mode=ReferralMode.REFERRER)
    friend = join_through(a_phone(), referrer, name="Taras")

    for external_id in ("F-1", "F-1", "F-2", "F-3"):
        checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check(external_id=external_id))

    assert reload(referrer).stamps == 2
    assert len(bonus_lines(referrer)) == 1


def test_a_check_that_earns_nothing_is_not_a_paid_visit(merchant, cashier):
    program = ProgramFactory(merchant=merchant, min_check_total=5000)
    referrer = CardFactory(program=program)
    referrals_on(program)
    friend = join_through(a_phone(), referrer, name="Taras")

    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check(total=100))

    assert Referral.objects.get(friend_card=friend).state == ReferralState.JOINED
    assert reload(referrer).stamps == 0


def test_bonus_stamps_that_reach_the_goal_issue_the_referrers_reward(program, referrer, cashier):
    referrals_on(program, mode=ReferralMode.REFERRER, reward_stamps=program.goal)
    friend = join_through(a_phone(), referrer, name="Taras")

    result = checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())

    referrer = reload(referrer)
    assert referrer.rewards_earned == 1 and referrer.stamps == 0
    assert result.rewards == []  # the referrer's reward is not shown at the friend's checkout


def test_a_reversed_first_visit_keeps_the_referral_rewarded_but_reverses_the_check(program, referrer, cashier):
    referrals_on(program, mode=ReferralMode.FRIEND)
    friend = join_through(a_phone(), referrer, name="Taras")
    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check(external_id="F-1"))

    checkout_reverse(actor=cashier.actor(), external_id="F-1")

    # The bonus is the referral's, not the check's: the reversal takes back the check's own stamp only.
    assert reload(friend).stamps == 2
    assert Referral.objects.get(friend_card=friend).state == ReferralState.REWARDED


def test_links_of_a_program_with_referrals_off_record_nothing(program, referrer, cashier):
    referrals_on(program, mode=ReferralMode.OFF)

    friend = join_through(a_phone(), referrer, name="Taras")

    assert friend is not None and not Referral.objects.exists()


def test_a_made_up_code_joins_without_a_referral(program, referrer):
    referrals_on(program)
    phone = a_phone()

    response = phone.post(f"/j/{program.pk}?ref=ZZZZZZZZZZZZ", {"name": "Taras", "terms": "on"})

    assert response.status_code == 302 and not Referral.objects.exists()


def test_the_join_page_welcomes_a_friend_with_the_reward(program, referrer):
    referrals_on(program, mode=ReferralMode.FRIEND, reward_stamps=3)
    link = urlsplit(codes.referral_url(referrer))

    response = a_phone().get(f"{link.path}?{link.query}")

    html = response.content.decode()
    assert "A friend invited you. Make your first purchase to get 3 bonus stamps." in html


def test_the_journal_says_what_each_bonus_was_for(program, referrer, cashier):
    referrals_on(program, mode=ReferralMode.BOTH)
    friend = join_through(a_phone(), referrer, name="Taras")
    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())

    referrer_line = CardEvent.objects.get(card=referrer, kind=EventKind.REFERRAL_BONUS)
    friend_line = CardEvent.objects.get(card=friend, kind=EventKind.REFERRAL_BONUS)
    assert event_details(referrer_line) == "+2 stamps, 2 on the card; for inviting a friend"
    assert event_details(friend_line) == "+2 stamps, 3 on the card; for joining through a friend"


def test_a_delivery_inserts_welcome_stamp_is_not_a_first_visit(program, referrer, cashier):
    referrals_on(program)
    friend = join_through(a_phone(), referrer, name="Taras")

    checkout_commit(
        actor=cashier.actor(), card_ref=friend.number, check=a_check(total=0, pos=NOT_VISIT_POS), fixed_stamps=1
    )

    assert Referral.objects.get(friend_card=friend).state == ReferralState.JOINED
    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())
    assert Referral.objects.get(friend_card=friend).state == ReferralState.REWARDED


def test_only_a_card_whose_referral_waits_looks_for_it_and_only_until_its_first_paid_visit(program, referrer, cashier):
    referrals_on(program)
    friend = join_through(a_phone(), referrer, name="Taras")
    assert reload(friend).referral_pending and not reload(referrer).referral_pending

    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())
    assert not reload(friend).referral_pending
    with CaptureQueriesContext(connection) as returning:
        checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())

    assert not [q for q in returning.captured_queries if "referrals_referral" in q["sql"]]
    assert Referral.objects.get(friend_card=friend).state == ReferralState.REWARDED
