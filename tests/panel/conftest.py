"""Fixtures of the panel's tests: two shops (merchants with staff at every role) and signed-in browsers."""

import pytest
from django.test import Client

from stampcard.merchants.models import Role
from tests.panel.objects import Shop, shop_create


@pytest.fixture
def shop(db) -> Shop:
    return shop_create("Blue Cup")


@pytest.fixture
def other_shop(db) -> Shop:
    return shop_create("Red Mug")


def signed_in(shop: Shop, role: Role) -> Client:
    client = Client()
    client.force_login(shop.staff[role].membership.user)
    return client


@pytest.fixture
def owner_client(shop) -> Client:
    return signed_in(shop, Role.OWNER)


@pytest.fixture
def manager_client(shop) -> Client:
    return signed_in(shop, Role.MANAGER)


@pytest.fixture
def cashier_client(shop) -> Client:
    return signed_in(shop, Role.CASHIER)
