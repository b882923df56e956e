"""Fixtures for delivery inserts: a manager's actor, batch builders, and phones with and without the card."""

import pytest
from django.test import Client

from stampcard.cards import links
from stampcard.cards.models import Card
from stampcard.inserts import services
from stampcard.inserts.benefits import benefit_clean
from stampcard.inserts.models import Insert, InsertBatch
from stampcard.merchants.actors import Actor
from tests.public.conftest import IPHONE_UA, join_data, stub_wallet_links  # noqa: F401 - the fixture applies here too


def make_batch(
    actor: Actor, *, count: int = 3, kind: str = "stamp", name: str = "Glovo — December", **benefit
) -> InsertBatch:
    return services.insert_batch_create(
        actor=actor,
        name=name,
        count=count,
        benefit=benefit_clean(merchant=actor.merchant, kind=kind, **benefit),
        aggregator="glovo",
    )


def inserts_of(batch: InsertBatch) -> list[Insert]:
    return list(Insert.objects.filter(batch=batch).order_by("serial"))


def claim_path(insert: Insert) -> str:
    return f"/i/{insert.token}"


def phone_with_card(card: Card) -> Client:
    """A phone that opened the card's web page, so it holds the signed remembered-card cookie."""
    phone = Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": "en"})
    assert phone.get(links.web_card_path(card)).status_code == 200
    return phone


@pytest.fixture
def manager_actor(manager) -> Actor:
    return manager.actor()


@pytest.fixture
def batch(manager_actor, program) -> InsertBatch:
    return make_batch(manager_actor)


@pytest.fixture
def phone() -> Client:
    return Client(headers={"User-Agent": IPHONE_UA, "Accept-Language": "en"})


__all__ = ["claim_path", "inserts_of", "join_data", "make_batch", "phone_with_card"]
