"""Fixtures for referrals: a program with referrals on, a referrer's card, friends joining through its link."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from stampcard.cards.models import Card
from stampcard.customers.models import Customer
from stampcard.referrals import codes
from stampcard.referrals.models import ReferralMode, ReferralRewardKind, ReferralSettings
from tests.factories import CardFactory, CustomerFactory
from tests.public.conftest import IPHONE_UA, join_data, stub_wallet_links  # noqa: F401 - autouse in these tests too


def referrals_on(program, mode=ReferralMode.BOTH, **extra) -> ReferralSettings:
    values = {"mode": mode, "reward_kind": ReferralRewardKind.STAMPS, "reward_stamps": 2, **extra}
    settings, _ = ReferralSettings.objects.update_or_create(program=program, defaults=values)
    return settings


@pytest.fixture
def referrer(program) -> Card:
    customer = CustomerFactory(
        merchant=program.merchant, name="Iryna", email="iryna.k@gmail.com", phone="+380501112233"
    )
    return CardFactory(program=program, customer=customer)


def a_phone(ip: str = "10.0.0.1") -> Client:
    """A phone of its own (its own cookies), at a network address."""
    return Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": "en"}, REMOTE_ADDR=ip)


def join_through(client: Client, referrer_card: Card, **fields) -> Card | None:
    """Open the referrer's link on ``client`` and join with ``fields``; the new card, or None when no card was made
    (a returning customer)."""
    path = urlsplit(codes.referral_url(referrer_card))
    url = f"{path.path}?{path.query}"
    assert client.get(url).status_code == 200
    before = set(Customer.objects.values_list("pk", flat=True))
    response = client.post(url, join_data(**fields))
    assert response.status_code in (302, 422), response.content.decode()[:500]
    made = Customer.objects.exclude(pk__in=before).first()
    return made.cards.get() if made else None
