"""Only new customers count, and self-referrals and farms are refused and flagged for the merchant."""

import pytest

from stampcard.cards import links
from stampcard.checkouts.services import checkout_commit
from stampcard.customers.models import Customer
from stampcard.referrals import abuse, codes, services
from stampcard.referrals.models import Referral, ReferralState, RefusalReason
from tests.cards.helpers import a_check
from tests.conftest import reload
from tests.factories import CardFactory, CustomerFactory
from tests.referrals.conftest import a_phone, join_through, referrals_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on(program):
    referrals_on(program)


def refusal_of(card) -> tuple[str, str, bool]:
    referral = Referral.objects.get(friend_card=card)
    return referral.state, referral.refusal, referral.flagged


def test_a_customer_who_already_exists_joins_back_without_a_referral(program, referrer):
    CustomerFactory(merchant=program.merchant, email="taras@example.com")

    made = join_through(a_phone(), referrer, name="Taras", email="taras@example.com")

    assert made is None  # a returning customer: sent to prove the email, no new customer, no referral
    assert not Referral.objects.exists()


def test_a_customer_rejoining_under_another_spelling_of_their_email_is_not_new(program, referrer):
    CustomerFactory(merchant=program.merchant, email="tarasp@gmail.com")

    friend = join_through(a_phone(), referrer, name="Taras", email="Taras.P+promo@gmail.com")

    assert refusal_of(friend) == (ReferralState.REFUSED, RefusalReason.NOT_NEW, True)


@pytest.mark.parametrize(
    "fields",
    [{"email": "iryna.k+2@gmail.com"}, {"email": "IrynaK@googlemail.com"}, {"phone": "+48 501 112 233"}],
    ids=["email-tag", "gmail-dots", "phone"],
)
def test_the_referrer_joining_again_under_another_spelling_is_a_self_referral(referrer, fields):
    friend = join_through(a_phone(), referrer, name="Iryna 2", **fields)

    assert refusal_of(friend) == (ReferralState.REFUSED, RefusalReason.SELF_REFERRAL, True)


def test_joining_on_the_phone_that_holds_the_referrers_card_is_a_self_referral(referrer):
    phone = a_phone()
    phone.get(links.web_card_path(referrer))  # the referrer's phone remembers their card

    friend = join_through(phone, referrer, name="Not Iryna")

    assert refusal_of(friend) == (ReferralState.REFUSED, RefusalReason.SELF_REFERRAL, True)


def test_a_refused_referral_is_never_rewarded(referrer, cashier):
    friend = join_through(a_phone(), referrer, name="Iryna again", email="iryna.k+x@gmail.com")

    checkout_commit(actor=cashier.actor(), card_ref=friend.number, check=a_check())

    assert refusal_of(friend)[0] == ReferralState.REFUSED
    assert reload(referrer).stamps == 0 and reload(friend).stamps == 1


def test_near_identical_emails_among_one_referrers_friends_are_a_farm(referrer):
    first = join_through(a_phone("10.0.0.1"), referrer, name="A", email="olena1@example.com")
    second = join_through(a_phone("10.0.0.2"), referrer, name="B", email="olena.2@example.com")
    third = join_through(a_phone("10.0.0.3"), referrer, name="C", email="maria@example.com")

    assert refusal_of(first) == (ReferralState.JOINED, "", False)
    assert refusal_of(second) == (ReferralState.REFUSED, RefusalReason.EMAIL_FARM, True)
    assert refusal_of(third) == (ReferralState.JOINED, "", False)


def test_more_than_the_limit_of_joins_from_one_device_is_a_farm(referrer):
    phone = a_phone()

    cards = [join_through(phone, referrer, name=f"Friend {i}") for i in range(abuse.DEVICE_LIMIT + 1)]

    assert [refusal_of(card)[0] for card in cards] == [ReferralState.JOINED] * abuse.DEVICE_LIMIT + [
        ReferralState.REFUSED
    ]
    assert refusal_of(cards[-1]) == (ReferralState.REFUSED, RefusalReason.DEVICE_FARM, True)
    assert Customer.objects.filter(name=f"Friend {abuse.DEVICE_LIMIT}").exists()  # the friend still has a card


def test_a_device_farm_counts_across_referrers(program, referrer):
    other = CardFactory(program=program)
    phone = a_phone()
    for i in range(abuse.DEVICE_LIMIT):
        join_through(phone, referrer if i % 2 else other, name=f"Friend {i}")

    last = join_through(phone, other, name="One more")

    assert refusal_of(last)[1] == RefusalReason.DEVICE_FARM


def test_more_than_the_limit_of_joins_from_one_address_is_a_farm(referrer):
    cards = [join_through(a_phone("198.51.100.7"), referrer, name=f"F {i}") for i in range(abuse.IP_LIMIT + 1)]

    assert sum(refusal_of(card)[0] == ReferralState.JOINED for card in cards) == abuse.IP_LIMIT
    assert refusal_of(cards[-1]) == (ReferralState.REFUSED, RefusalReason.IP_FARM, True)
    # Another address is not held back by this one's farm.
    other = join_through(a_phone("198.51.100.8"), referrer, name="Elsewhere")
    assert refusal_of(other)[0] == ReferralState.JOINED


def test_a_friend_counts_once(program, referrer):
    friend = join_through(a_phone(), referrer, name="Taras")

    again = services.referral_join(friend_card=friend, code=referrer.referral_code.code)

    assert again is None and Referral.objects.count() == 1


def test_a_card_cannot_refer_itself_by_code(referrer):
    assert services.referral_join(friend_card=referrer, code=codes.referral_code(referrer)) is None


def test_the_device_and_address_are_kept_only_as_digests(referrer):
    friend = join_through(a_phone("203.0.113.9"), referrer, name="Taras")

    referral = Referral.objects.get(friend_card=friend)
    assert len(referral.ip_digest) == 64 and "203.0.113.9" not in referral.ip_digest
    assert len(referral.device_digest) == 64


@pytest.mark.parametrize(
    ("key", "near"),
    [("olena12@x.com", "olena@x.com"), ("o.lena_3@x.com", "o.lena@x.com"), ("2024@x.com", "2024@x.com")],
)
def test_the_near_key_drops_the_digits_that_end_the_name(key, near):
    assert abuse.near_key(key) == near
